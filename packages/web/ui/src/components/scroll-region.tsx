import type { ComponentChildren } from 'preact';

/** A wide table or chart that scrolls sideways on a phone; focusable, so the keyboard can scroll it too. */
export function ScrollRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keyboard
    <section class="scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
