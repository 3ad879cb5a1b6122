/**
 * CoAP option numbers (RFC 7252 5.10 and 12.2, RFC 7641 2, RFC 7959 2.1 and 4). A leaf
 * module: the config reads coap:// URIs into Uri-Path and Uri-Query options in every
 * image, and an image without CoAP carries only these numbers, not the codec.
 */
export const enum Option {
	IF_MATCH = 1,
	URI_HOST = 3,
	ETAG = 4,
	IF_NONE_MATCH = 5,
	OBSERVE = 6,
	URI_PORT = 7,
	LOCATION_PATH = 8,
	URI_PATH = 11,
	CONTENT_FORMAT = 12,
	MAX_AGE = 14,
	URI_QUERY = 15,
	ACCEPT = 17,
	LOCATION_QUERY = 20,
	BLOCK2 = 23,
	BLOCK1 = 27,
	SIZE2 = 28,
	PROXY_URI = 35,
	PROXY_SCHEME = 39,
	SIZE1 = 60,
}
