/*
 * A fixed IPv4 address for the ESP32's station, for boards/moddable/native/static-ip.js:
 * Moddable's wifi module always asks DHCP, which costs a sleepy wake hundreds of ms.
 *
 * configure(ArrayBuffer of 16 bytes: ip, netmask, gateway, dns, each in network order),
 * called once Moddable's wifi module has created the station's esp-netif (WiFi.mode =
 * station runs its initWiFi: esp_netif_create_default_wifi_sta, if_key "WIFI_STA_DEF") and
 * before WiFi.connect. With its DHCP client stopped, esp-netif brings the interface up with
 * this address on WIFI_EVENT_STA_CONNECTED and posts IP_EVENT_STA_GOT_IP itself (the
 * `gotIP` the firmware waits for). esp_netif_set_ip_info clears the DNS servers, so the DNS
 * server is set after it. esp-netif runs each call in the lwIP task, as it does the
 * interface's start (on WIFI_EVENT_STA_START, in the event task): an address set before the
 * start is the one the interface is added with, one set after it the one the up on connect
 * applies, so the order of the two does not matter.
 *
 * ESP-IDF 5 (esp_netif.h). Not compiled in this project's CI (no ESP-IDF there): built by
 * mcconfig -p esp32.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "mc.xs.h"

#include <string.h>
#include "esp_netif.h"

#define kAddressBytes (16)

void xs_lampnode_static_ip(xsMachine *the)
{
	uint8_t bytes[kAddressBytes];
	esp_netif_ip_info_t info;
	esp_netif_dns_info_t dns;
	esp_netif_t *station = esp_netif_get_handle_from_ifkey("WIFI_STA_DEF");
	esp_err_t err;

	if (kAddressBytes != xsmcGetArrayBufferLength(xsArg(0)))
		xsRangeError("static address: %d bytes expected", kAddressBytes);
	if (NULL == station)
		xsUnknownError("static address: no station interface (Wi-Fi not started)");
	xsmcGetArrayBufferData(xsArg(0), 0, bytes, kAddressBytes);

	memset(&info, 0, sizeof(info));
	memcpy(&info.ip.addr, bytes, 4);
	memcpy(&info.netmask.addr, bytes + 4, 4);
	memcpy(&info.gw.addr, bytes + 8, 4);
	memset(&dns, 0, sizeof(dns));
	memcpy(&dns.ip.u_addr.ip4.addr, bytes + 12, 4);
	dns.ip.type = ESP_IPADDR_TYPE_V4;

	err = esp_netif_dhcpc_stop(station);
	if ((ESP_OK != err) && (ESP_ERR_ESP_NETIF_DHCP_ALREADY_STOPPED != err))
		xsUnknownError("static address: esp_netif_dhcpc_stop failed (%d)", (int)err);
	err = esp_netif_set_ip_info(station, &info);
	if (ESP_OK != err)
		xsUnknownError("static address: esp_netif_set_ip_info failed (%d)", (int)err);
	err = esp_netif_set_dns_info(station, ESP_NETIF_DNS_MAIN, &dns);
	if (ESP_OK != err)
		xsUnknownError("static address: esp_netif_set_dns_info failed (%d)", (int)err);
}
