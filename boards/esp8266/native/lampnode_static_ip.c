/*
 * A fixed IPv4 address for the ESP8266's station, for boards/moddable/native/static-ip.js:
 * Moddable's wifi module always asks DHCP, which costs a sleepy wake hundreds of ms.
 *
 * configure(ArrayBuffer of 16 bytes: ip, netmask, gateway, dns, each in network order),
 * called with the station mode already on (WiFi.mode = station: wifi_set_ip_info refuses
 * STATION_IF otherwise) and before WiFi.connect, so the SDK never starts its DHCP client for
 * the association and posts EVENT_STAMODE_GOT_IP with this address once associated (the
 * `gotIP` the firmware waits for). What the firmware configures stays for the whole boot.
 *
 * NONOS SDK 2.x as in Arduino esp8266 2.3.0 (tools/sdk/include): user_interface.h for the
 * station calls; the DNS server goes straight into lwIP's list (lwip/dns.h), which the SDK's
 * resolver (modResolve.c, dns_gethostbyname) reads. espconn_dns_setserver would do the same
 * but links the SDK's espconn layer, about 8 KB of flash the firmware otherwise never uses.
 *
 * Built by mcconfig -p esp.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "mc.xs.h"

#include <string.h>
#include "user_interface.h"
#include "lwip/err.h"
#include "lwip/dns.h"

#define kAddressBytes (16)

void xs_lampnode_static_ip(xsMachine *the)
{
	uint8_t bytes[kAddressBytes];
	struct ip_info info;
	ip_addr_t dns;
	uint8 mode = wifi_get_opmode();

	if (kAddressBytes != xsmcGetArrayBufferLength(xsArg(0)))
		xsRangeError("static address: %d bytes expected", kAddressBytes);
	if ((STATION_MODE != mode) && (STATIONAP_MODE != mode))
		xsUnknownError("static address: station mode is off");
	xsmcGetArrayBufferData(xsArg(0), 0, bytes, kAddressBytes);

	memset(&info, 0, sizeof(info));
	memcpy(&info.ip.addr, bytes, 4);
	memcpy(&info.netmask.addr, bytes + 4, 4);
	memcpy(&info.gw.addr, bytes + 8, 4);
	memcpy(&dns.addr, bytes + 12, 4);

	/* false when it was not running: either way it is stopped now. */
	wifi_station_dhcpc_stop();
	if (!wifi_set_ip_info(STATION_IF, &info))
		xsUnknownError("static address: wifi_set_ip_info failed");
	dns_setserver(0, &dns);
}
