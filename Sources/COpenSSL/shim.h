#ifndef SESSCTL_COPENSSL_SHIM_H
#define SESSCTL_COPENSSL_SHIM_H
#include <openssl/evp.h>

/// AES-CBC with PKCS#7 padding through OpenSSL's EVP interface.
/// `key_len` picks AES-128/192/256 (16, 24 or 32 bytes); `iv` is 16 bytes.
/// `out` must have room for `in_len + 16` bytes. Returns 1 on success, 0 on failure
/// (a bad key length, or on decryption a ciphertext that is not a whole number of
/// blocks or whose padding is wrong).
static inline int sessctl_aes_cbc(int encrypt,
                                  const unsigned char *key, int key_len,
                                  const unsigned char *iv,
                                  const unsigned char *in, int in_len,
                                  unsigned char *out, int *out_len) {
    const EVP_CIPHER *cipher;
    switch (key_len) {
    case 16: cipher = EVP_aes_128_cbc(); break;
    case 24: cipher = EVP_aes_192_cbc(); break;
    case 32: cipher = EVP_aes_256_cbc(); break;
    default: return 0;
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return 0;
    int ok = EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, encrypt);
    int n = 0, tail = 0;
    if (ok) ok = EVP_CipherUpdate(ctx, out, &n, in, in_len);
    if (ok) ok = EVP_CipherFinal_ex(ctx, out + n, &tail);
    EVP_CIPHER_CTX_free(ctx);
    *out_len = ok ? n + tail : 0;
    return ok ? 1 : 0;
}
#endif
