// Vite (Storybook, Vitest) imports a file's text with `?raw`: the mock gateway reads the emulator's catalog JSON
// that way, so the 0.5 MB file is parsed once at run time instead of being typed by the compiler.
declare module '*?raw' {
  const text: string;
  export default text;
}
