/**
 * The config section of an image with CoAP only (manifest_coap.json and manifest_coaps.json
 * map this file as app/config-sections/table, beside uplinks/coap.ts and uplinks/coaps.ts):
 * the keys of coaps are CoAP's, and an image without DTLS refuses them (uplink.ts checkIncluded).
 */
import { parseCoapConfig } from "../config-coap";
import type { ConfigSections } from "./table";

export const SECTIONS: ConfigSections = { coap: parseCoapConfig };
