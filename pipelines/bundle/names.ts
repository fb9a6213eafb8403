// Fixed names inside a bundle (kept apart so reading a plain OCI tarball loads no schema code).
export const bundleJsonName = 'bundle.json';
/** The OCI image layout folder shared by every image of a bundle. */
export const layoutDir = 'oci';
/** cosign's signature text over bundle.json (base64 DER), beside it in the bundle. */
export const signatureName = 'bundle.json.sig';
