/** Asset imports the build turns into a URL string (Vite's `?inline`: a data: URL). */
declare module '*.svg?inline' {
  const url: string;
  export default url;
}
