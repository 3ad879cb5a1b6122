/**
 * Certificate chains for the firmware's own chain check (src/tls), made with openssl at
 * test time (nothing committed): good RSA-2048 and ECDSA chains with intermediates, the
 * impostor of issue 13 (a server certificate from an untrusted CA, sent with the trusted
 * CA's certificate), an untrusted CA with the trusted one's very name, expired and
 * not-yet-valid leaves, a CA without Authority/Subject Key Identifiers, a leaf signed
 * directly by the root, an IP-address leaf, a wildcard, a non-CA used as an issuer and a
 * client-only leaf. Signature verdicts come from node:crypto, so the XS engine (which has
 * no crypto) can check chains over the same bytes.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifySignature } from "../../boards/host/signature";
import { parseCertificate } from "../../src/tls/x509";
import type { SignatureVerdict, TlsFixtures } from "../../host-tests/portable/tls-fixture-types";

const CA_EXT = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n";
const CA_EXT_AKI = CA_EXT + "authorityKeyIdentifier=keyid\n";
const CA_EXT_NO_KEY_IDS = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
const leafExt = (names: string, more = "") =>
	`basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${names}\n${more}`;

type Kind = "rsa" | "p256" | "p384";

class Maker {
	readonly dir = mkdtempSync(join(tmpdir(), "lampnode-chains-"));
	#serial = 1;

	openssl(args: string[]): void {
		execFileSync("openssl", args, { cwd: this.dir, stdio: ["ignore", "ignore", "pipe"] });
	}
	key(name: string, kind: Kind): void {
		if (kind === "rsa") this.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", `${name}.key`]);
		else this.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${kind === "p256" ? "P-256" : "P-384"}`, "-out", `${name}.key`]);
	}
	/** A certificate for `name` (its key made here) signed by `issuer`'s key, or self-signed. */
	certificate(name: string, kind: Kind, subject: string, ext: string, options: { issuer?: string; days?: number; hash?: string; key?: string } = {}): void {
		const key = options.key ?? name;
		if (!options.key) this.key(name, kind);
		this.openssl(["req", "-new", "-key", `${key}.key`, "-subj", subject, "-out", `${name}.csr`]);
		writeFileSync(join(this.dir, `${name}.ext`), ext);
		const signer = options.issuer ? ["-CA", `${options.issuer}.crt`, "-CAkey", `${options.issuer}.key`] : ["-signkey", `${key}.key`];
		this.openssl([
			"x509", "-req", "-in", `${name}.csr`, ...signer, "-set_serial", String(this.#serial++), "-days", String(options.days ?? 30),
			`-${options.hash ?? "sha256"}`, "-extfile", `${name}.ext`, "-out", `${name}.crt`,
		]);
	}
	/** A certificate whose validity starts `startsInDays` from now: `openssl x509` cannot set notBefore. */
	future(name: string, subject: string, ext: string, issuer: string, startsInDays: number): void {
		this.key(name, "p256");
		this.openssl(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`]);
		writeFileSync(join(this.dir, `${name}.ext`), ext);
		writeFileSync(join(this.dir, "index.txt"), "");
		writeFileSync(join(this.dir, "serial"), "1000\n");
		writeFileSync(
			join(this.dir, "ca.cnf"),
			"[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n",
		);
		const stamp = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
		this.openssl([
			"ca", "-batch", "-config", "ca.cnf", "-cert", `${issuer}.crt`, "-keyfile", `${issuer}.key`, "-in", `${name}.csr`, "-out", `${name}.crt`,
			"-startdate", stamp(startsInDays), "-enddate", stamp(startsInDays + 30), "-extfile", `${name}.ext`, "-notext",
		]);
	}
	der(name: string): Uint8Array {
		return new Uint8Array(new X509Certificate(readFileSync(join(this.dir, `${name}.crt`))).raw);
	}
}

export function makeTlsChains(): TlsFixtures {
	const m = new Maker();
	try {
		// RSA-2048: root -> intermediate (signed with SHA-384) -> leaf.
		m.certificate("rsaRoot", "rsa", "/O=lampnode tests/CN=RSA root", CA_EXT, { days: 3650 });
		m.certificate("rsaInter", "rsa", "/O=lampnode tests/CN=RSA intermediate", CA_EXT_AKI, { issuer: "rsaRoot", hash: "sha384" });
		m.certificate("rsaLeaf", "rsa", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "rsaInter" });
		// ECDSA: P-256 root (valid past 2050: GeneralizedTime) -> P-384 intermediate -> P-256 leaf
		// signed with SHA-384 (a digest longer than the leaf's curve), valid longer than its issuer.
		m.certificate("ecRoot", "p256", "/O=lampnode tests/CN=EC root", CA_EXT, { days: 30000 });
		m.certificate("ecInter", "p384", "/O=lampnode tests/CN=EC intermediate", CA_EXT_AKI, { issuer: "ecRoot" });
		m.certificate("ecLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "ecInter", hash: "sha384", days: 60 });
		// Issue 13's impostor: an untrusted CA's server certificate (sent with the trusted root's).
		m.certificate("evilCa", "p256", "/O=evil/CN=evil CA", CA_EXT);
		m.certificate("evilLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "evilCa" });
		// The same, from an untrusted CA that took the trusted root's exact name.
		m.certificate("twinCa", "p256", "/O=lampnode tests/CN=EC root", CA_EXT);
		m.certificate("twinLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "twinCa" });
		// Dates: expired a day ago (negative days), and valid only from ten days on.
		m.certificate("expiredLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "ecInter", days: -1 });
		m.future("futureLeaf", "/CN=broker.test", leafExt("DNS:broker.test"), "ecInter", 10);
		// A CA with no key identifiers at all, and its leaf (no AKI either), which outlives it.
		m.certificate("bareCa", "p256", "/CN=bare CA", CA_EXT_NO_KEY_IDS);
		m.certificate("bareLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "bareCa", days: 60 });
		// Signed by the root itself, no intermediate.
		m.certificate("directLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "ecRoot" });
		// Names: an IP address, a wildcard.
		m.certificate("ipLeaf", "p256", "/CN=lamp broker", leafExt("IP:127.0.0.1,DNS:broker.test"), { issuer: "ecInter" });
		m.certificate("wildLeaf", "p256", "/CN=wildcard", leafExt("DNS:*.lamp.test"), { issuer: "ecInter" });
		// A server certificate used as an issuer, and a certificate for TLS clients only.
		m.certificate("subLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test"), { issuer: "ecLeaf" });
		m.certificate("clientLeaf", "p256", "/CN=broker.test", leafExt("DNS:broker.test").replace("serverAuth", "clientAuth"), { issuer: "ecInter" });

		const names = ["rsaRoot", "rsaInter", "rsaLeaf", "ecRoot", "ecInter", "ecLeaf", "evilCa", "evilLeaf", "twinCa", "twinLeaf", "expiredLeaf", "futureLeaf", "bareCa", "bareLeaf", "directLeaf", "ipLeaf", "wildLeaf", "subLeaf", "clientLeaf"];
		const certs: Record<string, Uint8Array> = {};
		const validity: Record<string, { notBefore: number; notAfter: number }> = {};
		for (const name of names) {
			certs[name] = m.der(name);
			const x509 = new X509Certificate(readFileSync(join(m.dir, `${name}.crt`)));
			validity[name] = { notBefore: Date.parse(x509.validFrom), notAfter: Date.parse(x509.validTo) };
		}
		// The clock to verify at: just after the last certificate began (notBefore has whole seconds).
		const now = Date.now() + 1000;
		return { now, certs, validity, verdicts: verdicts(Object.values(certs)) };
	} finally {
		rmSync(m.dir, { recursive: true, force: true });
	}
}

/** Every key/certificate pair among `certs` whose signature node:crypto accepts. */
function verdicts(certs: readonly Uint8Array[]): SignatureVerdict[] {
	const found: SignatureVerdict[] = [];
	const parsed = certs.map((der) => parseCertificate(der));
	for (const certificate of parsed)
		for (const issuer of parsed) {
			const { signatureAlgorithm: algorithm, tbs: signed, signature } = certificate;
			if (algorithm && verifySignature(algorithm, issuer.publicKeyInfo, signed, signature))
				found.push({ algorithm, publicKeyInfo: issuer.publicKeyInfo, signed, signature });
		}
	return found;
}
