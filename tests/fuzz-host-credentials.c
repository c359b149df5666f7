/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: a farm host's credentials file (tf-broker-config
 * --bridge-credentials). Any input must end in an account for host 'a' of
 * lab 'farm' or a FILE error, never a crash or a critical; an account found
 * is safe to write into mosquitto.conf (no character that ends its line). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "tf-broker-creds.h"
#include "tf-error.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL, *password = NULL;

  if (size > 2 * TF_BROKER_MAX_CREDENTIALS_BYTES)
    return 0;
  if (!tf_broker_parse_host_credentials ("fuzz.credentials", (const char *)data, size, "a", "farm",
                                         &user, &password, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == TF_ERROR);
      g_assert_true (g_str_has_prefix (error->message, "fuzz.credentials"));
      g_assert_null (user);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpstr (user, ==, "host-a");
  g_assert_true (password[0] != '\0');
  for (const char *p = password; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p) || strchr ("-_.", *p) != NULL);
  return 0;
}
