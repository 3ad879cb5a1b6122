/**
 * The TLS suites' certificates, made with openssl when this module loads (in Node). Like
 * test-api.ts, this module is swapped for the XS run: portable suites cannot start
 * processes there, so tools/xs-bundle.ts loads every `*-fixtures` module in Node and
 * bundles the data it exports instead (Uint8Arrays included) for the XS engine.
 */
import { makeTlsChains } from "../../testkit/peers/tls-chains";
import type { TlsFixtures } from "./tls-fixture-types";

export const tlsFixtures: TlsFixtures = makeTlsChains();
