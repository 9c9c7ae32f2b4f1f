declare module '*.binpb' {
  const bytes: Uint8Array;
  export default bytes;
}
