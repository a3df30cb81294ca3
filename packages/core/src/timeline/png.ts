import { ConfigError } from '../errors.ts';
import { renderTimeline, type TimelineOptions } from './render.ts';

export interface TimelinePngOptions extends TimelineOptions {
  /** Pixels per SVG unit: 2 draws a picture twice as wide and high, for sharp text. Default: 1. */
  scale?: number;
}

type ResvgModule = typeof import('@resvg/resvg-js');

/**
 * The timeline as a PNG image, through the optional dependency `@resvg/resvg-js` (loaded only when
 * this is called, so SVG-only users never need it). The image is `width * scale` pixels wide.
 */
export async function renderTimelinePng(options: TimelinePngOptions): Promise<Uint8Array> {
  const { scale = 1, ...rest } = options;
  if (!(scale > 0 && scale <= 8)) {
    throw new ConfigError('invalid timeline options:', [
      { path: 'scale', message: 'expected a number above 0, at most 8' },
    ]);
  }
  const svg = renderTimeline(rest);
  const { Resvg } = await loadResvg();
  const width = Math.round((rest.width ?? 1200) * scale);
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return rendered.asPng();
}

async function loadResvg(): Promise<ResvgModule> {
  try {
    return await import('@resvg/resvg-js');
  } catch (cause) {
    throw new ConfigError(
      'renderTimelinePng needs the optional dependency @resvg/resvg-js, which is not installed or not built for this platform: install it with `npm install @resvg/resvg-js`, or use renderTimeline for SVG',
      [],
      { cause },
    );
  }
}
