/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Firmware Update (770) with the server under test: the runner makes a package the reference
 * client accepts (tf-lwm2m-client-fw.c: "TFFW <version> <SHA-256>" then the rest) and gives
 * its file to the operator, whose server pushes it to Package /5/0/0 (block-wise as it likes)
 * or serves it and writes its URI to Package URI /5/0/1; then it executes Update /5/0/2. The
 * criteria are what the client saw: the Write answered 2.04 after its blocks, the package
 * intact (State Downloaded, not Update Result 5 or 6), then Idle with Update Result 1 and the
 * package's version in /3/0/3. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include <glib/gstdio.h>

#include "tf-coap-source.h"
#include "tf-ets-sut-private.h"
#include "tf-lwm2m-model.h"

#define CODE(c, d) ((c)*32 + (d))
#define FW_VERSION "ets-sut-2.0"
#define FW_BODY 3000 /* more than one block (1024): a server that cannot do block-wise fails */
#define MAX_BLOCKS 4096

gboolean
tf_ets_sut_fw_wanted (TfEtsSut *s)
{
  for (const TfEtsSutStep *st = s->c != NULL ? s->c->steps : NULL; st != NULL && st->criterion;
       st++)
    if (st->kind == TF_ETS_SUT_FW_PACKAGE)
      return TRUE;
  return FALSE;
}

/* Object 5 as tf-lwm2m-client's firmware has it: push and pull, CoAP pulls. */
void
tf_ets_sut_fw_add_object (TfLwm2mModel *m)
{
  g_autoptr (GPtrArray) fw = tf_lwm2m_records_new ();
  TfLwm2mPath p;
  tf_lwm2m_model_add_object (m, 5);
  p = tf_lwm2m_path_make (3, 5, 0, 1, 0);
  g_ptr_array_add (fw, tf_lwm2m_record_new_string (&p, ""));
  p = tf_lwm2m_path_make (3, 5, 0, 3, 0);
  g_ptr_array_add (fw, tf_lwm2m_record_new_int (&p, 0));
  p = tf_lwm2m_path_make (3, 5, 0, 5, 0);
  g_ptr_array_add (fw, tf_lwm2m_record_new_int (&p, 0));
  p = tf_lwm2m_path_make (3, 5, 0, 6, 0);
  g_ptr_array_add (fw, tf_lwm2m_record_new_string (&p, ""));
  p = tf_lwm2m_path_make (3, 5, 0, 7, 0);
  g_ptr_array_add (fw, tf_lwm2m_record_new_string (&p, ""));
  p = tf_lwm2m_path_make (4, 5, 0, 8, 0);
  g_ptr_array_add (fw, tf_lwm2m_record_new_int (&p, 0)); /* CoAP */
  p = tf_lwm2m_path_make (3, 5, 0, 9, 0);
  g_ptr_array_add (fw, tf_lwm2m_record_new_int (&p, 2)); /* push and pull */
  tf_lwm2m_model_create (m, 5, 0, fw, NULL);
}

void
tf_ets_sut_fw_clear (TfEtsSut *s)
{
  if (s->fw_file != NULL)
    g_unlink (s->fw_file);
  if (s->fw_dir != NULL)
    g_rmdir (s->fw_dir);
  g_clear_pointer (&s->fw_file, g_free);
  g_clear_pointer (&s->fw_dir, g_free);
}

/* The package, written to a file of the runner's own for the operator (and the driver). */
static gboolean
package_make (TfEtsSut *s, GError **error)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  guint8 body[FW_BODY];
  g_autofree char *digest = NULL, *head = NULL;
  if (s->fw_file != NULL)
    return TRUE;
  for (guint i = 0; i < FW_BODY; i++)
    body[i] = (guint8)(i * 29 + 3);
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, body, sizeof body);
  head = g_strdup_printf ("TFFW %s %s\n", FW_VERSION, digest);
  g_byte_array_append (a, (const guint8 *)head, strlen (head));
  g_byte_array_append (a, body, sizeof body);
  if ((s->fw_dir = g_dir_make_tmp ("tf-ets-sut-fw-XXXXXX", error)) == NULL)
    return FALSE;
  s->fw_file = g_build_filename (s->fw_dir, "firmware.tffw", NULL);
  return g_file_set_contents (s->fw_file, (const char *)a->data, a->len, error);
}

static gint64
fw_int (TfEtsSut *s, guint16 obj, guint16 res)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, obj, 0, res, 0);
  g_autoptr (GPtrArray) r = tf_lwm2m_model_read (s->model, &p, FALSE, NULL);
  return r != NULL && r->len == 1 ? ((TfLwm2mRecord *)r->pdata[0])->v.i : -1;
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits, bounded, until the client's State is @state, or Idle with an Update Result other
 * than @until_result_not (0 while downloading: a failed check). Every change of State comes
 * from a message or the client's own install timer, each waking the loop. */
static void
wait_state (TfEtsSut *s, gint64 state, gint64 until_result_not, guint ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (ms, on_deadline, &expired);
  while (!expired && s->model != NULL && fw_int (s, 5, 3) != state
         && !(fw_int (s, 5, 3) == 0 && fw_int (s, 5, 5) != until_result_not))
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
}

static gboolean
is_fw_write (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  const char *path = data;
  if (m->out || (m->code != COAP_REQUEST_CODE_PUT && m->code != COAP_REQUEST_CODE_POST)
      || m->query != NULL)
    return FALSE;
  return path != NULL ? g_str_equal (m->path, path)
                      : g_str_equal (m->path, "/5/0/0") || g_str_equal (m->path, "/5/0/1");
}

static void
package_step (TfEtsSut *s, const TfEtsSutStep *st)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *got = NULL;
  gint req, a = -1;
  gint64 state, result;
  if (!package_make (s, &error))
    {
      tf_ets_sut_inconclusive (s, "the runner could not write the firmware package: %s",
                               error->message);
      return;
    }
  if ((req = tf_ets_sut_operator (s, st, is_fw_write, NULL)) < 0)
    return;
  /* block-wise (RFC 7959): every block but the last answered 2.31 Continue */
  for (guint n = 0; n < MAX_BLOCKS; n++)
    {
      const char *path = tf_ets_sut_msg (s, req)->path;
      if ((a = tf_ets_sut_wait_answer (s, req, 2000)) < 0)
        {
          tf_ets_sut_inconclusive (s, "the lab's client did not answer the Write");
          return;
        }
      if (tf_ets_sut_msg (s, a)->code != CODE (2, 31))
        break;
      req = tf_ets_sut_wait (s, (guint)a + 1, is_fw_write, path, s->answer_wait_s * 1000);
      if (req < 0)
        {
          tf_ets_sut_silence (s, st->criterion, a,
                              "the server sent no next block of the Write of %s within %u s "
                              "(block %u was the last)",
                              path, s->answer_wait_s, n + 1);
          return;
        }
    }
  got = tf_coap_code_to_string (tf_ets_sut_msg (s, a)->code);
  if (!tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, a)->code == CODE (2, 4), a,
                         "the client answered the Write of %s 2.04 (got %s)",
                         tf_ets_sut_msg (s, req)->path, got))
    return;
  /* a pull takes the client's GET of the URI, wherever the server serves it */
  wait_state (s, 2, 0, (s->answer_wait_s + 10) * 1000);
  state = fw_int (s, 5, 3);
  result = fw_int (s, 5, 5);
  /* a pull still going, or lost: the server under test serves it, unless it is gone */
  if (state == 1 || result == 4)
    {
      tf_ets_sut_silence (s, st->criterion, a,
                          "the client did not get the package: it is in State %" G_GINT64_FORMAT
                          " with Update Result %" G_GINT64_FORMAT " (1: Downloading, 4: download "
                          "lost) %u s after the Write",
                          state, result, s->answer_wait_s + 10);
      return;
    }
  tf_ets_sut_check (s, st->criterion, state == 2, a,
                    "the client holds the package intact: State 2 (Downloaded); it is in State "
                    "%" G_GINT64_FORMAT " with Update Result %" G_GINT64_FORMAT
                    " (5: integrity check failure, 6: not the package, 7: invalid URI, "
                    "4: download lost)",
                    state, result);
}

static void
updated_step (TfEtsSut *s, const TfEtsSutStep *st)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 3, 0);
  g_autoptr (GPtrArray) r = NULL;
  g_autofree char *version = NULL;
  gint64 result;
  tf_ets_sut_tell (s, st);
  wait_state (s, -2, 0, (s->answer_wait_s + 10) * 1000);
  result = fw_int (s, 5, 5);
  if (!tf_ets_sut_check (s, st->criterion, fw_int (s, 5, 3) == 0 && result == 1,
                         (gint)s->msgs->len - 1,
                         "the client installed the firmware: State 0 (Idle), Update Result 1 "
                         "(State %" G_GINT64_FORMAT ", Update Result %" G_GINT64_FORMAT ")",
                         fw_int (s, 5, 3), result))
    return;
  r = tf_lwm2m_model_read (s->model, &p, FALSE, NULL);
  if (r != NULL && r->len == 1)
    version = tf_lwm2m_record_value_to_string (r->pdata[0]);
  tf_ets_sut_check (s, st->criterion, g_strcmp0 (version, FW_VERSION) == 0, (gint)s->msgs->len - 1,
                    "Firmware Version /3/0/3 is %s (it is %s)", FW_VERSION,
                    version != NULL ? version : "absent");
}

void
tf_ets_sut_fw_step (TfEtsSut *s, const TfEtsSutStep *st)
{
  if (st->kind == TF_ETS_SUT_FW_PACKAGE)
    package_step (s, st);
  else
    updated_step (s, st);
}
