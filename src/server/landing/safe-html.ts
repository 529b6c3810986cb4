/**
 * An html`...` tagged template that escapes every interpolated value unless it is itself the
 * result of html`...`: plan names come from DBS and are untrusted, and with this there is no
 * way to forget to escape one. Attribute values must be double-quoted in the templates.
 */

/** Markup built by html`...` (escaped already). */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What a template may interpolate: false, null and undefined render nothing (for `cond && html`...``). */
export type HtmlValue = SafeHtml | string | number | false | null | undefined | readonly HtmlValue[];

/** Text as HTML: the five characters that can end a text node or a quoted attribute, as numeric references. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === false || value === null || value === undefined) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return escapeHtml(String(value));
  let out = '';
  for (const item of value) out += render(item);
  return out;
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i] as HtmlValue) + strings[i + 1]!;
  return new SafeHtml(out);
}
