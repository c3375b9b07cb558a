#ifndef SESSCTL_TLS_BRIDGE_H
#define SESSCTL_TLS_BRIDGE_H

#include <stddef.h>

/*
 * A TLS connection bridged to a plain socket, for clients (hiredis 0.14) that cannot speak TLS.
 *
 *   client (blocking) -- app fd == socketpair == pump thread -- SSL -- TCP -- server
 *
 * sessctl_tls_open connects and completes the TLS handshake in the calling thread, under one
 * deadline, verifying the server's certificate chain and name unless told not to. It then
 * starts one thread that owns the SSL object and moves bytes both ways until either side
 * closes, and hands back the other end of the socketpair for the client. When the TLS side
 * fails the pump closes its end (the client sees EOF) and keeps a one-line reason.
 */

/* What to trust and what to present, shared by many bridges. Strings may be NULL. */
typedef struct sessctl_tls_config {
    /* PEM file of the CAs to trust; NULL: the system's default CA paths. */
    const char *ca_file;
    /* Client certificate chain and private key (PEM), for servers that require one. */
    const char *cert_file;
    const char *key_file;
} sessctl_tls_config;

/* How to check one server. */
typedef struct sessctl_tls_peer {
    /* The name sent as SNI and checked against the certificate; NULL: the host connected to.
       An IP address is checked as an IP and never sent as SNI. */
    const char *server_name;
    /* Nonzero: accept any certificate (no chain or name check). */
    int insecure;
} sessctl_tls_peer;

/* What a failed open ran into. */
typedef enum sessctl_tls_failure {
    SESSCTL_TLS_OK = 0,
    /* The TCP connection could not be made (refused, unreachable, unknown host). */
    SESSCTL_TLS_CONNECT = 1,
    /* The deadline passed during the TCP connect or the handshake. */
    SESSCTL_TLS_TIMEOUT = 2,
    /* The CA, certificate or key file could not be used. */
    SESSCTL_TLS_CONFIG = 3,
    /* The server's certificate did not verify; see verify_code. */
    SESSCTL_TLS_VERIFY = 4,
    /* The handshake failed otherwise (not a TLS port, protocol mismatch, alert from the server). */
    SESSCTL_TLS_HANDSHAKE = 5,
    /* Out of memory, threads or descriptors. */
    SESSCTL_TLS_INTERNAL = 6,
} sessctl_tls_failure;

typedef struct sessctl_tls sessctl_tls;
typedef struct sessctl_tls_context sessctl_tls_context;

/* Loads the CA, certificate and key files into a context for any number of bridges (loading
   them costs more than a handshake). On failure returns NULL with a one-line reason. */
sessctl_tls_context *sessctl_tls_context_new(const sessctl_tls_config *config, sessctl_tls_failure *failure,
                                             char *message, size_t message_len);

/* Releases the context (bridges opened with it keep their own reference). */
void sessctl_tls_context_free(sessctl_tls_context *context);

/* Connects to host:port, completes the handshake within timeout_ms and starts the pump.
   On success returns the bridge and stores the client's (blocking) descriptor in *app_fd; the
   client owns that descriptor and closes it. On failure returns NULL, sets *failure, and, for
   SESSCTL_TLS_VERIFY, *verify_code (an X509_V_ERR_* value); `message` gets a one-line reason.
   SIGPIPE must be blocked or ignored by the calling thread while this runs. */
sessctl_tls *sessctl_tls_open(sessctl_tls_context *context, const char *host, int port, const sessctl_tls_peer *peer, int timeout_ms,
                              int *app_fd, sessctl_tls_failure *failure, long *verify_code,
                              char *message, size_t message_len);

/* Copies why the pump stopped into `out` (empty while it runs, or after a clean close by the
   client). */
void sessctl_tls_reason(sessctl_tls *bridge, char *out, size_t out_len);

/* Stops the pump if it still runs, waits for its thread and frees everything. Call it after the
   client has closed (or given up) its descriptor. */
void sessctl_tls_close(sessctl_tls *bridge);

#endif
