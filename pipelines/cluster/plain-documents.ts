// The objects of manifest text, read by the fast reader where it reads the text as the
// careful parser does (pipelines/model/plain-yaml.ts), by the careful parser otherwise.
import { objectsOfDocument, parseObjects, type SourcedObject } from '../model/kube-documents.js';
import { plainYamlValues } from '../model/plain-yaml.js';

/** As parseObjects (the same objects, documents and messages), faster on plain text. */
export function parseObjectsQuickly(text: string, file: string): SourcedObject[] {
  const values = plainYamlValues(text);
  return values ? values.flatMap((value, i) => objectsOfDocument(value, file, i + 1)) : parseObjects(text, file);
}
