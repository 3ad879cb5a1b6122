/**
 * CoRE Link Format (RFC 6690): what GET /.well-known/core answers. `parseLinkFormat`
 * reads `</sensors/temp>;rt="temperature-c";if="sensor";ct=0,</lamp>;obs` into links,
 * `filterLinks` applies the query filters of 4.1 (`rt=`, `if=`, `ct=`, with a trailing
 * `*` as a prefix match), and `formatLinks` writes the server's answer.
 */
import * as texts from "../common/text";

export interface Link {
	/** The URI-reference between < and >. */
	readonly target: string;
	/** Attribute values; a value-less attribute such as `obs` is "". Repeated ones are joined by " ". */
	readonly attributes: Readonly<Record<string, string>>;
}

/** Undefined when `text` is not link-format. */
export function parseLinkFormat(text: string): Link[] | undefined {
	const links: Link[] = [];
	let at = 0;
	const n = text.length;
	const skipSpace = () => {
		while (at < n && texts.isSpace(text.charCodeAt(at))) at++;
	};
	skipSpace();
	if (at === n) return links;
	for (;;) {
		if (text[at] !== "<") return undefined;
		const close = text.indexOf(">", at);
		if (close < 0) return undefined;
		const target = text.slice(at + 1, close);
		at = close + 1;
		const attributes: Record<string, string> = {};
		skipSpace();
		while (text[at] === ";") {
			at++;
			skipSpace();
			const nameStart = at;
			while (at < n && isTokenChar(text.charCodeAt(at))) at++;
			const name = text.slice(nameStart, at);
			if (name === "") return undefined;
			let value = "";
			skipSpace();
			if (text[at] === "=") {
				at++;
				skipSpace();
				if (text[at] === '"') {
					let end = at + 1;
					let quoted = "";
					while (end < n && text[end] !== '"') {
						if (text[end] === "\\" && end + 1 < n) end++;
						quoted += text[end++];
					}
					if (end >= n) return undefined;
					value = quoted;
					at = end + 1;
				} else {
					const start = at;
					while (at < n && text[at] !== ";" && text[at] !== ",") at++;
					value = text.slice(start, at).trim();
				}
			}
			attributes[name] = name in attributes ? `${attributes[name]} ${value}` : value;
			skipSpace();
		}
		links.push({ target, attributes });
		if (at === n) return links;
		if (text[at] !== ",") return undefined;
		at++;
		skipSpace();
	}
}

export interface LinkFilter {
	readonly rt?: string;
	readonly if?: string;
	readonly ct?: string;
}

/**
 * The links that match every filter given. rt and if hold space-separated values, any
 * of which may match (RFC 6690 4.1); a filter ending in `*` matches by prefix.
 */
export function filterLinks(links: readonly Link[], filter: LinkFilter): Link[] {
	return links.filter((link) => matches(link, "rt", filter.rt) && matches(link, "if", filter.if) && matches(link, "ct", filter.ct));
}

function matches(link: Link, name: keyof LinkFilter, wanted: string | undefined): boolean {
	if (wanted === undefined) return true;
	const value = link.attributes[name];
	if (value === undefined) return false;
	const prefix = wanted.endsWith("*");
	const stem = prefix ? wanted.slice(0, -1) : wanted;
	const words = value.split(" ");
	for (let i = 0; i < words.length; i++) if (prefix ? words[i].startsWith(stem) : words[i] === stem) return true;
	return false;
}

/** `</a>;rt="x";obs,...`: values are quoted unless they are numbers (ct, sz). */
export function formatLinks(links: readonly Link[]): string {
	return links
		.map((link) => {
			let text = `<${link.target}>`;
			const names = Object.keys(link.attributes);
			for (let i = 0; i < names.length; i++) {
				const name = names[i];
				const value = link.attributes[name];
				text += value === "" ? `;${name}` : texts.isDecimal(value) ? `;${name}=${value}` : `;${name}="${quoted(value)}"`;
			}
			return text;
		})
		.join(",");
}

/** A parameter name's characters (RFC 6690 2 parmname, RFC 5987 attr-char): letters, digits, !#$&+-.^_`|~*. */
function isTokenChar(c: number): boolean {
	return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || "!#$&+-.^_`|~*".includes(String.fromCharCode(c));
}

/** A quoted-string's content: `"` and `\` escaped with a backslash. */
function quoted(value: string): string {
	let out = "";
	for (let i = 0; i < value.length; i++) {
		const c = value.charAt(i);
		out += c === '"' || c === "\\" ? `\\${c}` : c;
	}
	return out;
}
