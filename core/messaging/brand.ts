// The business's look, shown in every email (templates/_partials/layout*.hbs) and on every page a
// customer opens from one: an optional logo, an accent colour for buttons and links, and a footer
// line. Configured once (BRAND_LOGO_URL, BRAND_ACCENT, BRAND_FOOTER) and checked at start-up
// (runtime/config.ts).
export type Brand = {
  /** An https image URL, or null for none. */
  logoUrl: string | null;
  /** `#rrggbb`. */
  accent: string;
  /** A line under every email and page (opening hours, a customer service number), or null. */
  footer: string | null;
};

/** The blue the emails and pages used before a business could choose. */
export const DEFAULT_ACCENT = '#2563eb';
export const defaultBrand: Brand = { logoUrl: null, accent: DEFAULT_ACCENT, footer: null };

export const isHexColour = (value: string) => /^#[0-9a-fA-F]{6}$/.test(value);

/** The text colour that reads on the accent: white on dark accents, near-black on light ones (WCAG relative luminance). */
export function textOnAccent(accent: string): string {
  const channel = (offset: number) => {
    const value = Number.parseInt(accent.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast with white vs with #111827 (luminance about 0.0122): the larger wins.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0622 ? '#ffffff' : '#111827';
}

/** The brand as templates see it (`brand.logo`, `brand.accent`, `brand.onAccent`, `brand.footer`): strings, empty when unset. */
export function brandRenderData(brand: Brand = defaultBrand) {
  const accent = isHexColour(brand.accent) ? brand.accent.toLowerCase() : DEFAULT_ACCENT;
  return { logo: brand.logoUrl ?? '', accent, onAccent: textOnAccent(accent), footer: brand.footer ?? '' };
}
