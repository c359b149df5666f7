/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tf-error.h"

G_DEFINE_QUARK (tf - error - quark, tf_error)
