/** Parallel blob uploads of an import unless told otherwise: as many as skopeo copies at once. */
export const defaultUploadConcurrency = 6;
