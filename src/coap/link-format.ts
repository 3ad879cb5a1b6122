/**
 * CoRE Link Format (RFC 6690): what GET /.well-known/core answers. `matches` applies the
 * query filters of 4.1 (`rt=`, `if=`, `ct=`, with a trailing `*` as a prefix match), and
 * `resourceLinks` writes a server's answer
 * (`</sensors/temp>;rt="temperature-c";if="sensor";ct=0,</lamp>;obs`). Reading one is a
 * client's part, which the device does not play: testkit/portable/coap-host-client.ts.
 */
import * as texts from "../common/text";
import type { Resource } from "./resource";

export interface Link {
	/** The URI-reference between < and >. */
	readonly target: string;
	/** Attribute values; a value-less attribute such as `obs` is "". Repeated ones are joined by " ". */
	readonly attributes: Readonly<Record<string, string>>;
}

export interface LinkFilter {
	readonly rt?: string;
	readonly if?: string;
	readonly ct?: string;
}

/**
 * Whether a link's `name` attribute matches a filter's `wanted` value (absent: no filter).
 * rt and if hold space-separated values, any of which may match (RFC 6690 4.1); a filter
 * ending in `*` matches by prefix.
 */
export function matches(attributes: Readonly<Record<string, string>>, name: keyof LinkFilter, wanted: string | undefined): boolean {
	if (wanted === void 0) return true;
	const value = attributes[name];
	if (value === void 0) return false;
	const prefix = wanted.endsWith("*");
	const stem = prefix ? wanted.slice(0, -1) : wanted;
	const words = value.split(" ");
	for (let i = 0; i < words.length; i++) if (prefix ? words[i].startsWith(stem) : words[i] === stem) return true;
	return false;
}

/** What a server's GET /.well-known/core answers: its resources (obs for observable ones), filtered by the query's `name=value` arguments. */
export function resourceLinks(resources: readonly { readonly path: string; readonly resource: Resource }[], query: readonly string[]): string {
	const filter: Record<string, string> = {};
	for (let i = 0; i < query.length; i++) {
		const equals = query[i].indexOf("=");
		if (equals > 0) filter[query[i].slice(0, equals)] = query[i].slice(equals + 1);
	}
	// `</a>;rt="x";obs,...`: values are quoted unless they are numbers (ct, sz); in a
	// quoted-string `"` and `\` are escaped with a backslash.
	let text = "";
	for (let i = 0; i < resources.length; i++) {
		const path = resources[i].path;
		const resource = resources[i].resource;
		const attributes = resource.attributes || {};
		if (!matches(attributes, "rt", filter.rt) || !matches(attributes, "if", filter.if) || !matches(attributes, "ct", filter.ct)) continue;
		text += (text === "" ? "<" : ",<") + path + ">";
		const names = Object.keys(attributes);
		for (let j = 0; j < names.length; j++) {
			const value = attributes[names[j]];
			text += ";" + names[j];
			if (value === "") continue;
			if (texts.isDecimal(value)) {
				text += "=" + value;
				continue;
			}
			text += '="';
			for (let k = 0; k < value.length; k++) {
				const c = value.charAt(k);
				text += c === '"' || c === "\\" ? "\\" + c : c;
			}
			text += '"';
		}
		if (resource.observable) text += ";obs";
	}
	return text;
}
