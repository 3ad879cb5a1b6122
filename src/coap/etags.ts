/**
 * Each resource's ETag (RFC 7252 5.10.6): the version of its last change, so If-Match and
 * If-None-Match (5.10.8) can be answered and notifications carry it. One entry per resource
 * added, no more; the option is made once per change and responses only read it (encode copies).
 */
import * as o from "./options";
import type { CoapOption } from "./message";

export class ETags {
	private readonly versions = new Map<string, CoapOption>();
	/** The ETag of a resource never changed; versions go on from it, from a random start so a reboot does not repeat them. */
	private readonly first: CoapOption;
	private version: number;

	constructor(random: () => number) {
		this.version = 1 + Math.floor(random() * 0xfffffe);
		this.first = o.uintOption(o.Option.ETAG, this.version);
	}

	/** The resource at `path` changed: a new version, 1 to 3 bytes (never 0, which would be empty). */
	bump(path: string): void {
		this.versions.set(path, o.uintOption(o.Option.ETAG, (this.version = this.version >= 0xffffff ? 1 : this.version + 1)));
	}

	/** The ETag option of the resource at `path`. */
	of(path: string): CoapOption {
		return this.versions.get(path) ?? this.first;
	}
}
