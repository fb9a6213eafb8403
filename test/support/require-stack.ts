// Integration and e2e tests need every part of the local stack; a missing part fails
// the run loudly instead of skipping tests.
import { formatStatus, stackStatus } from '../../pipelines/stack/stack.js';

export default async function requireStack(): Promise<void> {
  const status = await stackStatus();
  const down = status.parts.filter((p) => !p.up);
  if (down.length > 0) {
    throw new Error(
      `the local stack is not up (${down.map((p) => p.name).join(', ')} down); run \`npm run stack:up\`\n${formatStatus(status)}`,
    );
  }
}
