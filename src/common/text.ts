/**
 * Small character tests for config values and protocol text. The firmware uses no regular
 * expression: with none left in the image, Moddable's linker strips XS's RegExp engine
 * ("strip": "*"), about 36 KB of the ESP8266's 1 MB code region.
 */

const charCode = (text: string, i: number) => String.prototype.charCodeAt.call(text, i);

function isDigit(c: number): boolean {
	return c >= 0x30 && c <= 0x39;
}

export function isHexDigit(c: number): boolean {
	return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** ASCII white space: tab, line feed, vertical tab, form feed, carriage return, space. */
export function isSpace(c: number): boolean {
	return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** One to `maxDigits` (default: any number of) ASCII digits, nothing else. */
export function isDecimal(text: string, maxDigits?: number): boolean {
	const n = text.length;
	// `n > undefined` is false: no limit.
	if (n === 0 || n > maxDigits!) return false;
	for (let i = 0; i < n; i++) if (!isDigit(charCode(text, i))) return false;
	return true;
}

/** A decimal number written the one way it prints: "0", or digits without a leading zero. */
export function isCanonicalDecimal(text: string, maxDigits: number): boolean {
	return isDecimal(text, maxDigits) && (text.length === 1 || charCode(text, 0) !== 0x30);
}

/** At most `maxLength` printable ASCII characters (0x21-0x7e: no space, no control). */
export function isPrintableAscii(text: string, maxLength: number): boolean {
	const n = text.length;
	if (n > maxLength) return false;
	for (let i = 0; i < n; i++) {
		const c = charCode(text, i);
		if (c < 0x21 || c > 0x7e) return false;
	}
	return true;
}

/** The four octets of a dotted-quad IPv4 address (1 to 3 digits each, at most 255), or undefined. */
export function ipv4Octets(text: string): number[] | undefined {
	const parts = text.split(".");
	if (parts.length !== 4) return void 0;
	const octets: number[] = [];
	for (let i = 0; i < 4; i++) {
		const part = parts[i];
		if (!isDecimal(part, 3)) return void 0;
		const value = Number(part);
		if (value > 255) return void 0;
		octets.push(value);
	}
	return octets;
}

/** "scheme://host[:port]rest" cut into its parts (a host of letters, digits, "." and "-"; a port of 1-5 digits). */
export interface UrlParts {
	readonly scheme: string;
	readonly host: string;
	/** The digits after ":", undefined without a port. */
	readonly port: string | undefined;
	/** Everything after the authority: "", or from the first "/", "?" or "#" on. */
	readonly rest: string;
}

export function splitUrl(url: string): UrlParts | undefined {
	const separator = url.indexOf("://");
	if (separator <= 0) return void 0;
	let at = separator + 3;
	const hostStart = at;
	// Letters, digits, "." and "-".
	for (let c = charCode(url, at); isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2d; c = charCode(url, ++at));
	if (at === hostStart) return void 0;
	const host = url.slice(hostStart, at);
	let port: string | undefined;
	if (charCode(url, at) === 0x3a) {
		const portStart = ++at;
		while (isDigit(charCode(url, at))) at++;
		port = url.slice(portStart, at);
		if (!isDecimal(port, 5)) return void 0;
	}
	const rest = url.slice(at);
	if (rest !== "" && !"/?#".includes(rest[0])) return void 0;
	return { scheme: url.slice(0, separator), host, port, rest };
}

