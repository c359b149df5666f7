/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The power switch base class: its queue (one request at a time per switch,
 * in order, a cancelled one never reaching the device), its errors, and the
 * registry that reads a backend's keys. The backend is a fake subclass in
 * this file that records what it was asked and answers when the test says
 * (fwupd's fake-device pattern). No lab, no broker. */
#include "tf-error.h"
#include "tf-keyfile.h"
#include "tf-power-switch.h"

#define TF_TYPE_FAKE_SWITCH (tf_fake_switch_get_type ())
G_DECLARE_FINAL_TYPE (TfFakeSwitch, tf_fake_switch, TF, FAKE_SWITCH, TfPowerSwitch)

struct _TfFakeSwitch
{
  TfPowerSwitch parent_instance;
  GPtrArray *asked;  /* "CHANNEL on|off BOARD", in the order the device saw them */
  GQueue pending;    /* GTask: asked, not yet answered */
  guint max_pending; /* the most requests the device had at once */
};

G_DEFINE_TYPE (TfFakeSwitch, tf_fake_switch, TF_TYPE_POWER_SWITCH)

static void
fake_set_async (TfPowerSwitch *sw, guint channel, gboolean on, const char *board,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  TfFakeSwitch *self = TF_FAKE_SWITCH (sw);
  g_ptr_array_add (self->asked, g_strdup_printf ("%u %s %s", channel, on ? "on" : "off", board));
  g_queue_push_tail (&self->pending, g_task_new (sw, cancellable, callback, user_data));
  self->max_pending = MAX (self->max_pending, self->pending.length);
}

static gboolean
fake_set_finish (TfPowerSwitch *sw, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

/* [switch ID] type = fake: channels only */
static gboolean
fake_load_config (TfKeyFile *kf, const char *group, TfSwitchConfig *s, GError **error)
{
  static const char *const keys[] = { "type", "channels", NULL };
  guint64 n = 0;
  if (!tf_key_file_check_keys (kf, group, keys, error)
      || !tf_key_file_get_uint (kf, group, "channels", TRUE, 0, 1, 4, &n, error))
    return FALSE;
  s->channels = n;
  return TRUE;
}

static void
tf_fake_switch_finalize (GObject *object)
{
  TfFakeSwitch *self = TF_FAKE_SWITCH (object);
  g_ptr_array_unref (self->asked);
  g_queue_clear_full (&self->pending, g_object_unref);
  G_OBJECT_CLASS (tf_fake_switch_parent_class)->finalize (object);
}

static void
tf_fake_switch_class_init (TfFakeSwitchClass *klass)
{
  TfPowerSwitchClass *sw = TF_POWER_SWITCH_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = tf_fake_switch_finalize;
  sw->set_async = fake_set_async;
  sw->set_finish = fake_set_finish;
  sw->load_config = fake_load_config;
}

static void
tf_fake_switch_init (TfFakeSwitch *self)
{
  self->asked = g_ptr_array_new_with_free_func (g_free);
}

/* The device answers its oldest request. */
static void
fake_answer (TfFakeSwitch *self, const char *failure)
{
  g_autoptr (GTask) task = g_queue_pop_head (&self->pending);
  g_assert_nonnull (task);
  if (failure != NULL)
    g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "%s", failure);
  else
    g_task_return_boolean (task, TRUE);
}

typedef struct
{
  GPtrArray *done; /* "N ok" or "N CODE: message", in completion order */
} Log;

typedef struct
{
  Log *log;
  guint n;
} Req;

static void
on_set (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Req *r = user_data;
  g_autoptr (GError) error = NULL;
  if (tf_power_switch_set_finish (TF_POWER_SWITCH (source), res, &error))
    g_ptr_array_add (r->log->done, g_strdup_printf ("%u ok", r->n));
  else
    g_ptr_array_add (r->log->done, g_strdup_printf ("%u %s %d: %s", r->n,
                                                    error->domain == TF_ERROR     ? "tf"
                                                    : error->domain == G_IO_ERROR ? "gio"
                                                                                  : "?",
                                                    error->code, error->message));
  g_free (r);
}

static void
ask (TfPowerSwitch *sw, Log *log, guint n, guint channel, gboolean on, GCancellable *cancellable)
{
  Req *r = g_new0 (Req, 1);
  g_autofree char *board = g_strdup_printf ("b%u", n);
  r->log = log;
  r->n = n;
  tf_power_switch_set_async (sw, channel, on, board, cancellable, on_set, r);
}

/* Let the main context deliver whatever is ready (bounded). */
static void
settle (void)
{
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static TfPowerSwitch *
fake_new (guint channels)
{
  TfSwitchConfig cfg = {
    .id = (char *)"fake", .type = (char *)"fake", .gtype = TF_TYPE_FAKE_SWITCH, .channels = channels
  };
  g_autoptr (GError) error = NULL;
  TfPowerSwitch *sw = tf_power_switch_new (&cfg, &error);
  g_assert_no_error (error);
  g_assert_true (TF_IS_FAKE_SWITCH (sw));
  return sw;
}

static void
test_queue (void)
{
  g_autoptr (TfPowerSwitch) sw = fake_new (4);
  TfFakeSwitch *fake = TF_FAKE_SWITCH (sw);
  g_autoptr (GCancellable) cancel2 = g_cancellable_new ();
  g_autoptr (GPtrArray) done = g_ptr_array_new_with_free_func (g_free);
  Log log = { done };

  ask (sw, &log, 1, 1, FALSE, NULL);
  ask (sw, &log, 2, 2, TRUE, cancel2);
  ask (sw, &log, 3, 3, TRUE, NULL);
  ask (sw, &log, 4, 4, TRUE, NULL);
  settle ();
  /* one at a time: the device has the first only */
  g_assert_cmpuint (fake->asked->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fake->asked, 0), ==, "1 off b1");
  g_assert_cmpuint (done->len, ==, 0);

  /* the second is cancelled while it waits: it never reaches the device */
  g_cancellable_cancel (cancel2);
  fake_answer (fake, NULL);
  settle ();
  g_assert_cmpuint (fake->asked->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fake->asked, 1), ==, "3 on b3");
  g_assert_cmpuint (done->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (done, 0), ==, "1 ok");
  g_assert_true (g_str_has_prefix (g_ptr_array_index (done, 1), "2 gio 19: "));

  /* a device failure names the switch and the channel; the queue goes on */
  fake_answer (fake, "no answer from the relay");
  settle ();
  g_assert_cmpstr (g_ptr_array_index (done, 2), ==,
                   "3 tf 9: switch fake channel 3: no answer from the relay");
  g_assert_cmpuint (fake->asked->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (fake->asked, 2), ==, "4 on b4");
  fake_answer (fake, NULL);
  settle ();
  g_assert_cmpstr (g_ptr_array_index (done, 3), ==, "4 ok");
  g_assert_cmpuint (fake->max_pending, ==, 1);
  g_assert_cmpuint (fake->pending.length, ==, 0);
}

static void
test_bad_channel (void)
{
  g_autoptr (TfPowerSwitch) sw = fake_new (2);
  g_autoptr (GPtrArray) done = g_ptr_array_new_with_free_func (g_free);
  Log log = { done };
  ask (sw, &log, 1, 3, TRUE, NULL);
  ask (sw, &log, 2, 0, TRUE, NULL);
  settle ();
  g_assert_cmpuint (TF_FAKE_SWITCH (sw)->asked->len, ==, 0);
  g_assert_cmpstr (g_ptr_array_index (done, 0), ==, "1 tf 2: switch fake has no channel 3");
  g_assert_cmpstr (g_ptr_array_index (done, 1), ==, "2 tf 2: switch fake has no channel 0");
}

/* A backend registered under a type name reads its own keys, FILE:LINE. */
static void
test_registry (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfKeyFile) kf = NULL;
  g_autoptr (TfPowerSwitch) sw = NULL;
  TfSwitchConfig cfg = { .id = (char *)"f1" };

  tf_power_switch_register ("fake", TF_TYPE_FAKE_SWITCH);
  kf = tf_key_file_load_data ("lab.conf",
                              "[switch f1]\ntype = fake\nchannels = 3\n\n"
                              "[switch f2]\ntype = fake\nchannels = 3\ndevice = x\n\n"
                              "[switch f3]\ntype = fake\nchannels = 9\n",
                              &error);
  g_assert_no_error (error);
  g_assert_true (tf_power_switch_load_config (kf, "switch f1", &cfg, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cfg.type, ==, "fake");
  g_assert_true (cfg.gtype == TF_TYPE_FAKE_SWITCH);
  g_assert_cmpuint (cfg.channels, ==, 3);
  sw = tf_power_switch_new (&cfg, &error);
  g_assert_no_error (error);
  g_assert_true (TF_IS_FAKE_SWITCH (sw));
  g_assert_cmpstr (tf_power_switch_get_config (sw)->type, ==, "fake");

  g_assert_false (tf_power_switch_load_config (kf, "switch f2", &cfg, &error));
  g_assert_cmpstr (error->message, ==, "lab.conf:8: [switch f2] device: unknown key");
  g_clear_error (&error);
  g_assert_false (tf_power_switch_load_config (kf, "switch f3", &cfg, &error));
  g_assert_cmpstr (error->message, ==,
                   "lab.conf:12: [switch f3] channels: '9' is not a whole number from 1 to 4");
  g_free (cfg.type);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/power-switch/queue", test_queue);
  g_test_add_func ("/power-switch/bad-channel", test_bad_channel);
  g_test_add_func ("/power-switch/registry", test_registry);
  return g_test_run ();
}
