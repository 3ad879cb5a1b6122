/**
 * "crypt" as the Moddable SDK's own typings/crypt.d.ts declares it (mcconfig's tsc run
 * uses that file; npm's @moddable/typings lacks it), for the project's typecheck only:
 * nothing references this file, so the two never meet.
 */
declare module "crypt" {
	export class Digest {
		constructor(type: "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512");
		write(message: string | ArrayBuffer): void;
		close(): ArrayBuffer;
	}
}
