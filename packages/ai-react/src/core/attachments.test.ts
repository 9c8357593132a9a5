import { describe, expect, it } from 'vitest';
import { splitFileName } from './attachments.js';

describe('splitFileName', () => {
  it('keeps the extension and the eight characters before it whole, so names that differ at the end stay apart', () => {
    expect(splitFileName('quarterly-report-final-v1.pdf')).toEqual({ start: 'quarterly-report-', end: 'final-v1.pdf' });
    expect(splitFileName('quarterly-report-final-v2.pdf')).toEqual({ start: 'quarterly-report-', end: 'final-v2.pdf' });
  });

  it('leaves a short name whole in the end part, and counts a dot file or a name without extension as name', () => {
    expect(splitFileName('q3.pdf')).toEqual({ start: '', end: 'q3.pdf' });
    expect(splitFileName('meeting-notes-without-extension')).toEqual({ start: 'meeting-notes-without-e', end: 'xtension' });
    expect(splitFileName('.environment-local')).toEqual({ start: '.environme', end: 'nt-local' });
  });

  it('never cuts an accent from its letter or an emoji from its joiners', () => {
    const decomposed = 'résumé-final.pdf'.normalize('NFD');
    expect(splitFileName(decomposed, 7)).toEqual({ start: 'résum'.normalize('NFD'), end: 'é-final.pdf'.normalize('NFD') });
    expect(splitFileName('photos-\u{1F468}\u200d\u{1F469}\u200d\u{1F467}.png', 2)).toEqual({ start: 'photos-', end: '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}.png' });
  });
});
