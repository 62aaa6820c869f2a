// build.mjs bundles .graphql files as their text.
declare module '*.graphql' {
  const text: string;
  export default text;
}
