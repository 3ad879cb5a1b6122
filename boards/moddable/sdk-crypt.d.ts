/**
 * The Moddable SDK crypt modules (modules/crypt, from tls_common.json) the board uses that
 * no typings declare, as far as it uses them. Referenced from tls-link.ts, so mcconfig's
 * own tsc run sees them too.
 */
declare module "rsa" {
	export default class RSA {
		constructor(exponent: bigint, modulus: bigint);
		process(value: bigint): bigint;
	}
}
declare module "ecp" {
	export default class ECPoint {
		constructor(x: bigint, y: bigint);
	}
}
declare module "curve" {
	export default class Curve {
		constructor(name: "secp256r1" | "secp384r1");
		readonly n: bigint;
		readonly orderSize: number;
	}
}
declare module "ecdsa" {
	import type Curve from "curve";
	import type ECPoint from "ecp";
	export default class ECDSA {
		constructor(key: ECPoint, curve: Curve);
		/** `signature` is r then s, each `curve.orderSize` bytes, when `asn1` is false. */
		verify(digest: ArrayBuffer, signature: ArrayBuffer, asn1: boolean): boolean;
	}
}
