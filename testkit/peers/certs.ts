/**
 * Test certificates made with openssl at test time (nothing committed): a CA, a server
 * certificate for localhost signed by it, an unrelated CA to show that the wrong trust
 * anchor is refused, and an expired certificate for localhost from the right CA.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certificates {
	readonly dir: string;
	/** Paths. */
	readonly caFile: string;
	readonly certFile: string;
	readonly keyFile: string;
	/** Signed by the right CA for the right name, but its notAfter is a day before its notBefore. */
	readonly expiredCertFile: string;
	/** PEM text of the CA that signed the server certificate, and of an unrelated CA. */
	readonly ca: string;
	readonly otherCa: string;
}

function openssl(dir: string, args: string[]): void {
	execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export function makeCertificates(): Certificates {
	const dir = mkdtempSync(join(tmpdir(), "lampnode-certs-"));
	openssl(dir, ["req", "-x509", ...EC, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=lampnode test CA"]);
	openssl(dir, ["req", "-x509", ...EC, "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=some other CA"]);
	openssl(dir, ["req", ...EC, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
	writeFileSync(join(dir, "server.ext"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n");
	openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext"]);
	// A negative day count puts notAfter a day before now: expired from the moment it is made.
	openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "expired.crt", "-days", "-1", "-extfile", "server.ext"]);
	return {
		dir,
		caFile: join(dir, "ca.crt"),
		certFile: join(dir, "server.crt"),
		keyFile: join(dir, "server.key"),
		expiredCertFile: join(dir, "expired.crt"),
		ca: readFileSync(join(dir, "ca.crt"), "utf8"),
		otherCa: readFileSync(join(dir, "other-ca.crt"), "utf8"),
	};
}

/** Client certificates for a broker that requires one (mosquitto's require_certificate), made beside `certs`. */
export interface ClientCertificates {
	/** PEM text: a client certificate signed by the broker's CA, and its key. */
	readonly cert: string;
	readonly key: string;
	/** PEM text: a client certificate from an unrelated CA, and its key. */
	readonly otherCert: string;
	readonly otherKey: string;
	/** DER files of the right certificate and its key as PKCS#8, the forms a Moddable image takes as resources. */
	readonly certDerFile: string;
	readonly keyDerFile: string;
}

/**
 * RSA keys, because the Moddable SDK's TLS signs its CertificateVerify with RSA only
 * (ssl_handshake.js); extendedKeyUsage clientAuth, as a broker checking purposes wants.
 */
export function makeClientCertificates(certs: Certificates): ClientCertificates {
	const dir = certs.dir;
	writeFileSync(join(dir, "client.ext"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
	const RSA = ["-newkey", "rsa:2048", "-nodes"];
	for (const [name, ca] of [
		["client", "ca"],
		["other-client", "other-ca"],
	]) {
		openssl(dir, ["req", ...RSA, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
		openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", "client.ext"]);
	}
	openssl(dir, ["x509", "-in", "client.crt", "-outform", "DER", "-out", "client.der"]);
	openssl(dir, ["pkcs8", "-topk8", "-nocrypt", "-in", "client.key", "-outform", "DER", "-out", "client.pk8.der"]);
	const text = (name: string) => readFileSync(join(dir, name), "utf8");
	return {
		cert: text("client.crt"),
		key: text("client.key"),
		otherCert: text("other-client.crt"),
		otherKey: text("other-client.key"),
		certDerFile: join(dir, "client.der"),
		keyDerFile: join(dir, "client.pk8.der"),
	};
}
