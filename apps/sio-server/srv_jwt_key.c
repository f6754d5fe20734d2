/* srv_jwt_key.c - the check of a JWT public key (RS256, ES256) at startup.
 *
 * libjwt 1.10.2 reads the key again at every verification with OpenSSL's
 * PEM_read_bio_PUBKEY and checks only that its type is RSA or EC. A key it
 * cannot read, or one too weak or on another curve, would make every token
 * fail, or pass with less security than configured, without a word at
 * startup. So the key is read here with the same call, once, and its type
 * (EVP_PKEY_get_base_id), size (EVP_PKEY_get_bits) and curve
 * (EVP_PKEY_get_group_name) are checked against the pinned algorithm.
 * The PEM texts a person is likely to give by mistake (a private key, a
 * PKCS#1 key, a certificate) are recognised first for a better message.
 * docs/jwt.md, "The key", lists what OpenSSL accepts and refuses.
 */
#include "srv_jwt_key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "base/err.h"

#define MIN_RSA_BITS 2048  /* RFC 7518 3.3 */
#define MAX_RSA_BITS 16384 /* OpenSSL's limit for RSA operations */

/* An encrypted PEM is refused instead of OpenSSL asking for a passphrase on
 * the terminal, which its default callback does (libjwt passes none). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The key exactly as libjwt will read it at every verification:
 * PEM_read_bio_PUBKEY over the whole text (docs/jwt.md, "The key"). */
static EVP_PKEY *read_public_key(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, no_passphrase, NULL) : NULL;

	BIO_free(b);
	return k;
}

/* Why read_public_key() failed: read again with the PEM layer alone
 * (BEGIN/END lines and base64, no key decoding) to tell a broken PEM from a
 * body that is not a SubjectPublicKeyInfo. Clears OpenSSL's error queue. */
static int explain_unreadable(const char *pem, size_t len, char *err, size_t errlen)
{
	BIO *b;
	unsigned char *der = NULL;
	char *name = NULL;
	const char *why;
	unsigned long e;
	long n = 0;
	int ok;

	ERR_clear_error();
	b = BIO_new_mem_buf(pem, (int)len);
	ok = b && PEM_bytes_read_bio(&der, &n, &name, PEM_STRING_PUBLIC, b, no_passphrase, NULL);
	e = ERR_peek_last_error();
	OPENSSL_free(der);
	OPENSSL_free(name);
	BIO_free(b);
	ERR_clear_error();
	if (ok)
		return base_errf(
		        err, errlen,
		        "jwt public key: the PEM does not hold a valid SubjectPublicKeyInfo");
	if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_BAD_BASE64_DECODE)
		return base_errf(err, errlen, "jwt public key: the PEM body is not base64");
	why = e ? ERR_reason_error_string(e) : NULL;
	return base_errf(err, errlen, "jwt public key: OpenSSL cannot read the PEM (%s)",
	                 why ? why : "unknown error");
}

static int check_rsa(srv_jwt_alg alg, const char *name, const EVP_PKEY *k, size_t *sig_len,
                     char *err, size_t errlen)
{
	int bits = EVP_PKEY_get_bits(k);

	if (alg != SRV_JWT_RS256)
		return base_errf(err, errlen, "jwt key is an RSA public key but alg is %s", name);
	if (bits < MIN_RSA_BITS)
		return base_errf(err, errlen, "jwt RSA key has %d bits; RS256 needs at least %d",
		                 bits, MIN_RSA_BITS);
	if (bits > MAX_RSA_BITS)
		return base_errf(err, errlen, "jwt RSA key has %d bits; at most %d are supported",
		                 bits, MAX_RSA_BITS);
	*sig_len = (size_t)EVP_PKEY_get_size(k); /* the modulus size: RFC 8017 8.2.2 */
	return 0;
}

static int check_ec(srv_jwt_alg alg, const char *name, const EVP_PKEY *k, size_t *sig_len,
                    char *err, size_t errlen)
{
	char curve[64] = "", enc[32] = "";
	size_t n;

	if (alg != SRV_JWT_ES256)
		return base_errf(err, errlen, "jwt key is an EC public key but alg is %s", name);
	if (!EVP_PKEY_get_group_name(k, curve, sizeof curve, &n) ||
	    strcmp(curve, SN_X9_62_prime256v1))
		return base_errf(err, errlen,
		                 "jwt EC key is not on curve P-256 (prime256v1), which ES256 "
		                 "requires (it is on %s)",
		                 *curve ? curve : "an unnamed curve");
	/* Explicit curve parameters are refused even when OpenSSL matches them
	 * to P-256: a key names its curve, it does not define one. */
	if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof enc, &n) ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP))
		return base_errf(
		        err, errlen,
		        "jwt EC key gives P-256 as explicit parameters, not by name; "
		        "convert it with openssl ec -pubin -param_enc named_curve -pubout");
	*sig_len = 64; /* R || S, 32 bytes each: RFC 7518 3.4 */
	return 0;
}

/* The PEM's texts that have a better message than OpenSSL's, then the key
 * itself: its type, size and curve. */
int srv_jwt_key_check(srv_jwt_alg alg, const char *name, const char *pem, size_t len,
                      size_t *sig_len, char *err, size_t errlen)
{
	static const char BEGIN[] = "-----BEGIN PUBLIC KEY-----";
	static const char END[] = "-----END PUBLIC KEY-----";
	const char *b;
	EVP_PKEY *k;
	int rc;

	if (strlen(pem) != len)
		return base_errf(err, errlen, "jwt public key: a PEM has no NUL bytes");
	if (strstr(pem, "PRIVATE KEY-----"))
		return base_errf(err, errlen,
		                 "jwt public key: the file holds a private "
		                 "key; give only the public key (openssl pkey -pubout)");
	if (strstr(pem, "-----BEGIN RSA PUBLIC KEY-----") && !strstr(pem, BEGIN))
		return base_errf(err, errlen,
		                 "jwt public key: PKCS#1 \"RSA PUBLIC KEY\" "
		                 "is not supported; convert it with openssl rsa "
		                 "-RSAPublicKey_in -pubout");
	if (strstr(pem, "-----BEGIN CERTIFICATE-----") && !strstr(pem, BEGIN))
		return base_errf(err, errlen,
		                 "jwt public key: a certificate was given; "
		                 "extract its key with openssl x509 -pubkey -noout");
	if (!(b = strstr(pem, BEGIN)))
		return base_errf(err, errlen,
		                 "jwt public key: no \"%s\" line (%s needs "
		                 "a PEM public key)",
		                 BEGIN, name);
	if (!strstr(b + sizeof BEGIN - 1, END))
		return base_errf(err, errlen, "jwt public key: no \"%s\" line", END);
	if (!(k = read_public_key(pem, len)))
		return explain_unreadable(pem, len, err, errlen);
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
		rc = check_rsa(alg, name, k, sig_len, err, errlen);
	else if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC)
		rc = check_ec(alg, name, k, sig_len, err, errlen);
	else
		rc = base_errf(err, errlen, "jwt public key is neither RSA nor EC; %s needs %s",
		               name, alg == SRV_JWT_RS256 ? "an RSA key" : "an EC P-256 key");
	EVP_PKEY_free(k);
	return rc;
}
