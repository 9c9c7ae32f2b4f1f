// `.tsv` data files are imported as their text: esbuild's `text` loader in builds, and the jest
// asset transform in tests.
declare module '*.tsv' {
  const text: string;
  export default text;
}
