#ifndef SLUICE_CJWT_SHIM_H
#define SLUICE_CJWT_SHIM_H
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#endif
