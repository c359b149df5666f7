/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /lwm2m/faults/client-block1…: the reference client's Register, Update and Send larger than
 * one message, in Block1 parts to tf-lwm2m-server (tf-lwm2m-net-client-block1.c). */
void
tf_faults_client_block1_add_tests (void);
