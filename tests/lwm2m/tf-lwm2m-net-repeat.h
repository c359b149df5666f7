/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /lwm2m/faults/…-repeat: De-register and Bootstrap-Request sent twice with their MID, as a
 * client does when the ACK is lost (tf-lwm2m-net-repeat.c). */
void
tf_faults_repeat_add_tests (void);
