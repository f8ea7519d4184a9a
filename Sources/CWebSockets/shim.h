#include <libwebsockets.h>

/// LWS_PRE is a macro Swift cannot import.
static const unsigned int caro_lws_pre = LWS_PRE;

/// An lws timer (sorted-usec-list entry) that remembers its Swift owner.
/// lws hands only the `sul` pointer to the timer callback; because `sul` is
/// the first member, that pointer is also a pointer to this struct.
struct caro_lws_timer {
    lws_sorted_usec_list_t sul;
    void *owner;
};

/// The Swift owner of a timer scheduled with a `caro_lws_timer`'s `sul`.
static inline void *caro_lws_timer_owner(lws_sorted_usec_list_t *sul) {
    return ((struct caro_lws_timer *)sul)->owner;
}

/// SHA-1 for the WebSocket handshake's `Sec-WebSocket-Accept` check (lws_SHA1 is a macro naming
/// OpenSSL's SHA1, which Swift cannot import through the macro).
static inline void caro_sha1(const unsigned char *data, size_t length, unsigned char *digest) {
    lws_SHA1(data, length, digest);
}

/// LWS_WRITE_RAW is a macro Swift cannot import.
static const enum lws_write_protocol caro_lws_write_raw = LWS_WRITE_RAW;
