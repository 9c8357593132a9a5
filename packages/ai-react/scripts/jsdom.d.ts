// The little of jsdom's API the markdown benchmark uses (the package ships no types, and @types/jsdom is not installed).
declare module 'jsdom' {
  export class JSDOM {
    constructor(html: string, options?: { pretendToBeVisual?: boolean });
    readonly window: Window & typeof globalThis;
  }
}
