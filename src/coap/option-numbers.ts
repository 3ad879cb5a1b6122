/**
 * CoAP option numbers (RFC 7252 5.10 and 12.2, RFC 7641 2, RFC 7959 2.1 and 4). A leaf
 * module: the config reads coap:// URIs into Uri-Path and Uri-Query options in every
 * image, and an image without CoAP carries only these numbers, not the codec.
 */
export const IF_MATCH = 1;
export const URI_HOST = 3;
export const ETAG = 4;
export const IF_NONE_MATCH = 5;
export const OBSERVE = 6;
export const URI_PORT = 7;
export const LOCATION_PATH = 8;
export const URI_PATH = 11;
export const CONTENT_FORMAT = 12;
export const MAX_AGE = 14;
export const URI_QUERY = 15;
export const ACCEPT = 17;
export const LOCATION_QUERY = 20;
export const BLOCK2 = 23;
export const BLOCK1 = 27;
export const SIZE2 = 28;
export const PROXY_URI = 35;
export const PROXY_SCHEME = 39;
export const SIZE1 = 60;
