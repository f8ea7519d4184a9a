#include <libwebsockets.h>

/// LWS_PRE is a macro Swift cannot import.
static const unsigned int caro_lws_pre = LWS_PRE;
