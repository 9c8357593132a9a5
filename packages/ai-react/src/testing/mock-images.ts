// Pictures for `POST /v1/images/generations`: drawn on a canvas where there is one (a browser), so every prompt
// gets its own colours and caption; a small static PNG elsewhere (Node).
import { createRandom } from '@insforge/openrouter-emulator/content';

/** A 32×32 gradient PNG, for runtimes without a canvas. */
const STATIC_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAIAAAD8GO2jAAAJgElEQVR42gXBsQqCQAAAUD+spaWlxcFAIrDBoUAisMEhIURQ4hATETGRQzTkkBQ5QkVEUuSGWlr8nd6jZjSZ0+OCHpb0m6a7Fd2u6Yaja54u9/TrQGORLiQ6l+mnQqcajQCd3OiHQ0d3OoQ0jOkA0X5Ge5h2K9ppabunLUKbX9r40WCir9SMIXNmXDDDknnTTLdi2jXTcEzNM+WeeR0YLDKFxOQy81SYVGMQYJIb83CY6M6EkIExEyDGzxgPM27FOC1j94xFGPPLGD8GTMyVmrFkzo4Ldliyb5rtVmy7ZhuOrXm23LOvA4tFtpDYXGafCptqLAJscmMfDhvd2RCyMGYDxPoZ62HWrVinZe2etQhrflnjx4KJvVKzDZlvxsVmWG7e9KZbbdr1puE2Nb8p95vXYYPFTSFtcnnzVDaptkFgk9w2D2cT3Tch3MB4E6CNn208vHGrjdNu7H5jkY353Ri/DZg2V2q2JfPtuNgOy+2b3narbbveNty25rflfvs6bLG4LaRtLm+fyjbVtghsk9v24Wyj+zaEWxhvA7T1s62Ht261ddqt3W8tsjW/W+O3BdP2Ss14MufHBT8s+TfNdyu+XfMNx9c8X+7514HHIl9IfC7zT4VPNR4BPrnxD4eP7nwIeRjzAeL9jPcw71a80/J2z1uEN7+88ePBxF+p2Y7Md+NiNyx3b3rXrXbtetdwu5rflfvd67DD4q6Qdrm8eyq7VNshsEtuu4ezi+67EO5gvAvQzs92Ht651c5pd3a/s8jO/O6M3w5Muys1E8hcGBfCsBTetNCthHYtNJxQ80K5F14HAYtCIQm5LDwVIdUEBITkJjwcIboLIRRgLARI8DPBw4JbCU4r2L1gEcH8CsZPAJNwpWZHMj+Oi+OwPL7pY7c6tutjwx1r/ljuj6/DEYvHQjrm8vGpHFPtiMAxuR0fzjG6H0N4hPExQEc/O3r46FZHpz3a/dEiR/N7NH5HMB2v1OxE5qdxcRqWpzd96landn1quFPNn8r96XU4YfFUSKdcPj2VU6qdEDglt9PDOUX3UwhPMD4F6ORnJw+f3OrktCe7P1nkZH5Pxu8EptOVmklkLo0LaVhKb1rqVlK7lhpOqnmp3Euvg4RFqZCkXJaeipRqEgJScpMejhTdpRBKMJYCJPmZ5GHJrSSnlexesohkfiXjJ4FJulKzM5mfx8V5WJ7f9Llbndv1ueHONX8u9+fX4YzFcyGdc/n8VM6pdkbgnNzOD+cc3c8hPMP4HKCzn509fHars9Oe7f5skbP5PRu/M5jOV2p2IfPLuLgMy8ubvnSrS7u+NNyl5i/l/vI6XLB4KaRLLl+eyiXVLghcktvl4Vyi+yWEFxhfAnTxs4uHL251cdqL3V8scjG/F+N3AdPlSs1UMlfHhTos1Tetdiu1XasNp9a8Wu7V10HFolpIai6rT0VNNRUBNbmpD0eN7moIVRirAVL9TPWw6laq06p2r1pENb+q8VPBpF6pmU7m+rjQh6X+pvVupbdrveH0mtfLvf466FjUC0nPZf2p6KmmI6AnN/3h6NFdD6EOYz1Aup/pHtbdSnda3e51i+jmVzd+Opj0KzUDZA7GBRiW4E2DbgXaNWg4UPOg3IPXAWARFBLIZfBUQKoBBEByAw8HRHcQQgBjECDgZ8DDwK2A0wK7BxYB5hcYPwAmcKVmJpmb48IcluabNruV2a7NhjNr3iz35utgYtEsJDOXzadippqJgJnczIdjRnczhCaMzQCZfmZ62HQr02lNuzctYppf0/iZYDKv1Mwmc3tc2MPSftN2t7Lbtd1wds3b5d5+HWws2oVk57L9VOxUsxGwk5v9cOzobofQhrEdINvPbA/bbmU7rW33tkVs82sbPxtM9pWauWTujgt3WLpv2u1Wbrt2G86tebfcu6+Di0W3kNxcdp+Km2ouAm5ycx+OG93dELowdgPk+pnrYdetXKd17d61iGt+XePngsm9UjOfzP1x4Q9L/0373cpv137D+TXvl3v/dfCx6BeSn8v+U/FTzUfAT27+w/Gjux9CH8Z+gHw/8z3su5XvtL7d+xbxza9v/Hww+VdqBskcjgs4LOGbht0KtmvYcLDmYbmHrwPEIiwkmMvwqcBUgwjA5AYfDozuMIQQxjBA0M+gh6FbQaeFdg8tAs0vNH4QTPBKzSIyj8ZFNCyjNx11q6hdRw0X1XxU7qPXIcJiVEhRLkdPJUq1CIEouUUPJ4ruUQgjGEcBivws8nDkVpHTRnYfWSQyv5Hxi8AUXalZQubJuEiGZfKmk26VtOuk4ZKaT8p98jokWEwKKcnl5KkkqZYgkCS35OEk0T0JYQLjJECJnyUeTtwqcdrE7hOLJOY3MX4JmJIrNUvJPB0X6bBM33TardJ2nTZcWvNpuU9fhxSLaSGluZw+lTTVUgTS5JY+nDS6pyFMYZwGKPWz1MOpW6VOm9p9apHU/KbGLwVTeqVmOZnn4yIflvmbzrtV3q7zhstrPi/3+euQYzEvpDyX86eSp1qOQJ7c8oeTR/c8hDmM8wDlfpZ7OHer3Glzu88tkpvf3PjlYMqv1AyTOR4XeFjiN427FW7XuOFwzeNyj18HjEVcSDiX8VPBqYYRwMkNPxwc3XEIMYxxgLCfYQ9jt8JOi+0eWwSbX2z8MJjwlZqVZF6Oi3JYlm+67FZluy4brqz5styXr0OJxbKQylwun0qZaiUCZXIrH04Z3csQljAuA1T6Wenh0q1Kpy3tvrRIaX5L41eCqbxSs4bMm3HRDMvmTTfdqmnXTcM1Nd+U++Z1aLDYFFKTy81TaVKtQaBJbs3DaaJ7E8IGxk2AGj9rPNy4VeO0jd03FmnMb2P8GjA1V2rWkXk3Lrph2b3prlt17bpruK7mu3LfvQ4dFrtC6nK5eypdqnUIdMmtezhddO9C2MG4C1DnZ52HO7fqnLaz+84infntjF8Hpu5KzQYyH8bFMCyHNz10q6FdDw031PxQ7ofXYcDiUEhDLg9PZUi1AYEhuQ0PZ4juQwgHGA8BGvxs8PDgVoPTDnY/WGQwv4PxG8A0XKkZIXMyLsiwJG+adCvSrknDkZon5Z68DgSLpJBILpOnQlKNIECSG3k4JLqTEBIYkwARPyMeJm5FnJbYPbEIMb/E+BEwkSs1+5D5Z1x8huXnTX+61addfxruU/Ofcv95HT5Y/BTSJ5c/T+WTah8EPsnt83A+0f0Twg+MPwH6+NnHwx+3+jjtx+4/FvmY34/x+4Dpc/0DO4MCanWfj6YAAAAASUVORK5CYII=';

/** Width and height of a `WIDTHxHEIGHT` size (OpenAI's `1024x1024`, `1792x1024`…), 1024×1024 when not given. */
function dimensionsOf(size: unknown): { width: number; height: number } {
  const match = typeof size === 'string' ? /^(\d{2,4})x(\d{2,4})$/.exec(size) : null;
  return match ? { width: Number(match[1]), height: Number(match[2]) } : { width: 1024, height: 1024 };
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

function draw(context: Context2D, width: number, height: number, prompt: string, seed: string): void {
  const random = createRandom(`${seed}\u0000${prompt}`);
  const hue = Math.floor(random() * 360);
  const gradient = context.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, `hsl(${hue} 70% 55%)`);
  gradient.addColorStop(1, `hsl(${(hue + 60 + Math.floor(random() * 120)) % 360} 65% 30%)`);
  context.fillStyle = gradient;
  context.fillRect(0, 0, width, height);
  for (let index = 0; index < 7; index++) {
    context.beginPath();
    context.fillStyle = `hsl(${(hue + Math.floor(random() * 180)) % 360} 80% ${40 + Math.floor(random() * 40)}% / 0.55)`;
    context.arc(random() * width, random() * height, (0.08 + random() * 0.22) * Math.min(width, height), 0, Math.PI * 2);
    context.fill();
  }
  const fontSize = Math.max(12, Math.round(Math.min(width, height) / 18));
  context.fillStyle = 'rgb(0 0 0 / 0.45)';
  context.fillRect(0, height - fontSize * 2.4, width, fontSize * 2.4);
  context.fillStyle = '#fff';
  context.font = `${fontSize}px system-ui, sans-serif`;
  context.textBaseline = 'middle';
  const caption = prompt.length > 60 ? `${prompt.slice(0, 59)}…` : prompt;
  context.fillText(caption, fontSize * 0.8, height - fontSize * 1.2, width - fontSize * 1.6);
}

/** The largest side drawn: enough for a gallery, small enough that a data URL stays light. */
const MAX_SIDE = 512;

/**
 * A PNG (base64, no `data:` prefix) for a prompt: its own picture on a canvas, else the static one.
 *
 * @example
 * const base64 = await renderImage({ prompt: 'a lighthouse at dusk', size: '1024x1024', seed: 'image#0' });
 */
export async function renderImage({ prompt, size, seed }: { prompt: string; size: unknown; seed: string }): Promise<string> {
  const { width: fullWidth, height: fullHeight } = dimensionsOf(size);
  const scale = Math.min(1, MAX_SIDE / Math.max(fullWidth, fullHeight));
  const width = Math.max(1, Math.round(fullWidth * scale));
  const height = Math.max(1, Math.round(fullHeight * scale));
  try {
    // jsdom has a canvas element without a context, and logs "not implemented" when asked for one.
    const isJsdom = typeof navigator !== 'undefined' && navigator.userAgent.includes('jsdom');
    if (isJsdom) return STATIC_PNG_BASE64;
    if (typeof document !== 'undefined') {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext('2d');
      if (context) {
        draw(context, width, height, prompt, seed);
        return canvas.toDataURL('image/png').slice('data:image/png;base64,'.length);
      }
    }
    if (typeof OffscreenCanvas !== 'undefined') {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d');
      if (context) {
        draw(context, width, height, prompt, seed);
        const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
        let binary = '';
        for (const byte of bytes) binary += String.fromCharCode(byte);
        return btoa(binary);
      }
    }
  } catch {
    // A canvas that cannot draw (jsdom without the canvas package) falls through to the static picture.
  }
  return STATIC_PNG_BASE64;
}
