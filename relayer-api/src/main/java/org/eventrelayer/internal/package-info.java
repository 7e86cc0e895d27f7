/**
 * Implementation classes that must be public (for {@link java.util.ServiceLoader} or for other eventrelayer
 * modules) but are not API: they may change in any release. Host applications use {@link org.eventrelayer}.
 */
package org.eventrelayer.internal;
