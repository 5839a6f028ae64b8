/**
 * Escaping for the three contexts report.html puts text from summary.json in: HTML text and
 * quoted attributes, JSON inside a <script type="application/json"> element, and a library's own
 * source inlined into <script>/<style>. Every string from a summary — target names, error
 * messages, the scenario echo — goes through one of these.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** escapeHtml makes text safe as HTML text and as a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * jsonForScript serialises data for a <script type="application/json"> element. The HTML parser
 * ends a script element at the first `</script` whatever the JSON means, and `<!--` changes how
 * it reads what follows; escaping every `<` (and `>`, `&`, and the two line separators JavaScript
 * once refused in strings) as a \u escape leaves the JSON's meaning intact and the parser nothing
 * to find.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * inlineSource guards a library's source for inlining into a `<script>` or `<style>` element: a
 * closing tag inside it (in a string or a comment) would end the element early. `<\/` means the
 * same as `</` in a JavaScript string and in CSS.
 */
export function inlineSource(source: string, element: 'script' | 'style'): string {
  return source.replace(new RegExp(`</(${element})`, 'gi'), '<\\/$1');
}
