// The config used when there is no shipline.yaml: the sample service "link", built by
// the local stack's builder, pushed to its registry and rolled out on its cluster.
export const embeddedDefault: Record<string, unknown> = {
  image: {
    repository: '127.0.0.1:5000/modco/link',
    dockerfile: 'Dockerfile.musl',
    context: '.',
    platforms: ['linux/amd64', 'linux/arm64'],
    tag: 'date',
  },
  builder: { name: 'shipline-local' },
  output: { push: true },
  cluster: { namespace: 'default' },
};
