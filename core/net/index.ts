export { envProxyAgentOptions, OutboundHttp, redactProxyUrl, type ProxySettings } from './outbound-http.js';
