// Geodesy for the map: normalised Web Mercator (x, y in [0, 1]), geodesic circles and
// distances on a spherical Earth (good to ~0.5 %, enough for drawing).

export const EARTH_RADIUS_M = 6371008.8;
const MAX_LAT = 85.05112878;
const D2R = Math.PI / 180;

export function mercX(lonDeg) {
  return (lonDeg + 180) / 360;
}

export function mercY(latDeg) {
  const lat = Math.max(-MAX_LAT, Math.min(MAX_LAT, latDeg)) * D2R;
  return 0.5 - Math.log(Math.tan(Math.PI / 4 + lat / 2)) / (2 * Math.PI);
}

export function unmercX(x) {
  return x * 360 - 180;
}

export function unmercY(y) {
  return (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;
}

/** Great-circle distance in metres. */
export function distanceM(lon1, lat1, lon2, lat2) {
  const dLat = (lat2 - lat1) * D2R;
  const dLon = (lon2 - lon1) * D2R;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * D2R) * Math.cos(lat2 * D2R) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Point reached from (lon, lat) after distanceM along initial bearing bearingDeg. */
export function destination(lonDeg, latDeg, bearingDeg, distM) {
  const d = distM / EARTH_RADIUS_M;
  const b = bearingDeg * D2R;
  const lat1 = latDeg * D2R;
  const lon1 = lonDeg * D2R;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lon2 = lon1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return [(((lon2 / D2R + 540) % 360) - 180), lat2 / D2R];
}

/** A circle as a closed ring of [lon, lat] points. */
export function circleRing(lonDeg, latDeg, radiusM, n = 72) {
  const ring = [];
  for (let i = 0; i <= n; i++) ring.push(destination(lonDeg, latDeg, (360 * i) / n, radiusM));
  return ring;
}

/** Rings ([lon, lat] arrays) of a Volume's shape as in docs/api.md. */
export function volumeRings(volume) {
  const s = volume && volume.shape;
  if (!s) return [];
  if (s.type === 'circle' && s.center) return [circleRing(s.center.lon_deg, s.center.lat_deg, s.radius_m)];
  if (s.type === 'polygon' && Array.isArray(s.coordinates)) {
    // Accept a single ring [[lon,lat],...] or GeoJSON-style [[[lon,lat],...], ...].
    if (Array.isArray(s.coordinates[0]) && Array.isArray(s.coordinates[0][0])) return s.coordinates;
    return [s.coordinates];
  }
  return [];
}

/** Rings of a GeoJSON Polygon or MultiPolygon geometry. */
export function geojsonRings(g) {
  if (!g) return [];
  if (g.type === 'Polygon') return g.coordinates;
  if (g.type === 'MultiPolygon') return g.coordinates.flat();
  if (g.type === 'Feature') return geojsonRings(g.geometry);
  return [];
}
