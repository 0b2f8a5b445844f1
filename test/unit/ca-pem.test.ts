import { describe, expect, it } from "vitest";
import { caPemProblem } from "../../src/registry/ca-pem.js";

const MAX = 65_536;
// Two self-signed test CAs and a key (EC P-256, made with openssl once; parsing checks no dates).
const caPem = `-----BEGIN CERTIFICATE-----
MIIBkTCCATegAwIBAgIUYI5ikzNQU5yGmacJXhUhIEoPWeAwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTcmVnb3BzIHVuaXQgdGVzdCBDQTAeFw0yNjEyMDYwMTI1MjJa
Fw0zNjEyMDMwMTI1MjJaMB4xHDAaBgNVBAMME3JlZ29wcyB1bml0IHRlc3QgQ0Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATby4zZkWldE/ipl/ekpZ9Cc8Pakoxg
oB7SGP54putbsaybVkuH92GUniChVXzAgsDKZ0HvCkauZA6qmPL43UvKo1MwUTAd
BgNVHQ4EFgQUEhYEiF+e1ga7/x2UcMj6XkuzQ/UwHwYDVR0jBBgwFoAUEhYEiF+e
1ga7/x2UcMj6XkuzQ/UwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiEA25LY0n6zXMQjPAr4Q+O0r6qaLG3H5eWFNFjvXdBKkMUCIB5va940RFKkj8at
UdHgMa7Tha78ecjaEsq/fPBrU/Ch
-----END CERTIFICATE-----
`;
const certPem = `-----BEGIN CERTIFICATE-----
MIIBlDCCATugAwIBAgIUA+vD11DOFKFJoNdPK//yMcVkzPMwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVcmVnb3BzIHVuaXQgdGVzdCBDQSAyMB4XDTI2MTIwNjAxMjUy
MloXDTM2MTIwMzAxMjUyMlowIDEeMBwGA1UEAwwVcmVnb3BzIHVuaXQgdGVzdCBD
QSAyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHhMw3pSWd4tfTh04HbpANGYS
mE/xMKIB3Ddv2RloRXiDy1LPjt5xpBUWW+b/9ccxwrstq20qCoJOismYs7NfgqNT
MFEwHQYDVR0OBBYEFCnpTZUQ36cm9NJ9ZnWy0Udw/c43MB8GA1UdIwQYMBaAFCnp
TZUQ36cm9NJ9ZnWy0Udw/c43MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
RwAwRAIgRUBT7DkBAYag2Hb7rzR4pGk0DkaYIu+iluUco2iaTy4CICBIjdJdiC7x
7yEQIP7Rb7G3YswL1FzF1lPRSfwAmXld
-----END CERTIFICATE-----
`;
const keyPem = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvpbou3pnmr57nmeG
Q7lfUgZ8jxAVw26wJFX9v04kGxShRANCAATby4zZkWldE/ipl/ekpZ9Cc8Pakoxg
oB7SGP54putbsaybVkuH92GUniChVXzAgsDKZ0HvCkauZA6qmPL43UvK
-----END PRIVATE KEY-----
`;

describe("ca through the API (PEM certificates only)", () => {
  it("when ca is PEM certificates, then it is accepted, one or several, with CRLF or surrounding blank lines", () => {
    expect(caPemProblem(caPem, MAX)).toBeUndefined();
    expect(caPemProblem(`${caPem}\n${certPem}`, MAX)).toBeUndefined();
    expect(caPemProblem(`\n\n${caPem.replace(/\n/g, "\r\n")}\n`, MAX)).toBeUndefined();
  });

  it("when ca is a path, then every path gets the same answer, readable or not", () => {
    const answers = ["/etc/shadow", "/etc/hostname", "/nope", "./ca.pem", "C:\\ca.pem"].map((p) => caPemProblem(p, MAX));
    expect(answers[0]).toMatch(/PEM text/);
    expect(new Set(answers).size).toBe(1);
  });

  it("when ca has anything else in it, then it is refused: a key, text around the certificate, an unfinished or corrupt block, or too many bytes", () => {
    expect(caPemProblem(keyPem, MAX)).toMatch(/not a CERTIFICATE/);
    expect(caPemProblem(`/etc/shadow\n${caPem}`, MAX)).toMatch(/PEM text/);
    expect(caPemProblem(caPem.slice(0, -30), MAX)).toMatch(/PEM text/);
    expect(caPemProblem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", MAX)).toMatch(/not a readable X.509/);
    expect(caPemProblem(caPem.repeat(100), 4096)).toMatch(/at most 4096 bytes/);
  });
});
