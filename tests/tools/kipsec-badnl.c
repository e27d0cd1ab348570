// SPDX-License-Identifier: GPL-2.0
/* Sends malformed requests to the kipsec family: not written yet. */
int main(void)
{
	return 0;
}
