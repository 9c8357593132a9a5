import { describe, expect, it } from 'vitest';
import { safeImageHref } from './image-file.js';

describe('safeImageHref', () => {
  it("passes an image's data URL, a blob URL and what safeHref passes; refuses a script or a page as data", () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    expect([png, 'blob:https://a.example/1', 'https://a.example/i.png', '/files/i.png'].map(safeImageHref)).toEqual([png, 'blob:https://a.example/1', 'https://a.example/i.png', '/files/i.png']);
    for (const url of ['javascript:alert(1)', 'java\tscript:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', 'vbscript:x']) {
      expect(safeImageHref(url), JSON.stringify(url)).toBeUndefined();
    }
  });
});
