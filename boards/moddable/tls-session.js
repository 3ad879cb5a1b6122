/*
 * The SDK's TLS session (modules/crypt/ssl/session_419.js, mapped to "ssl/session" by the
 * tlssocket manifest), re-exported so TypeScript gets its types from tls-session.d.ts.
 */
import Session from "ssl/session";

export default Session;
