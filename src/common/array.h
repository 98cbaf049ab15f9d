/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ARRAY_SIZE(a): the number of elements of an array, the one definition in the tree.  Given a
 * pointer instead of an array (a parameter declared "int a[]", a decayed array) it does not
 * compile, where sizeof(p) / sizeof(p[0]) would quietly give a wrong count.
 */

#define ES_MUST_BE_ARRAY(a)                                                                        \
	(0 * sizeof(struct {                                                                       \
		 int not_an_array : 1 -                                                            \
			 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]));     \
	 }))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + ES_MUST_BE_ARRAY(a))
