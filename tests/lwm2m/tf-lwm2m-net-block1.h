/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /lwm2m/faults/…-block1…: Register, Update and Send to tf-lwm2m-server in Block1 parts
 * (RFC 7959 2.5), whole and broken (tf-lwm2m-net-block1.c). */
void
tf_faults_block1_add_tests (void);
