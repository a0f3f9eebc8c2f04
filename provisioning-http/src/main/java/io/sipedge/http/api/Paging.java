package io.sipedge.http.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Kazoo's crossbar paging over a list sorted by creation time then id: {@code page_size} (default
 * {@value #DEFAULT_PAGE_SIZE}, at most {@value #MAX_PAGE_SIZE}) and {@code start_key}; the
 * envelope carries {@code page_size} (items returned), {@code start_key} when one was given and
 * {@code next_start_key} only when another page follows. A start key is {@code <epoch-ms>.<id>}
 * of the first item of its page, so a page stays stable when earlier items are deleted.
 */
final class Paging {
    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 1000;

    record Page<T>(List<T> items, Map<String, Object> extras) {
    }

    private Paging() {
    }

    static <T> Page<T> page(List<T> all, Function<T, Instant> created, Function<T, String> id, ApiRequest req) {
        List<T> sorted = new ArrayList<>(all);
        sorted.sort(java.util.Comparator.comparing((T t) -> created.apply(t).toEpochMilli()).thenComparing(id));
        int size = DEFAULT_PAGE_SIZE;
        String sizeText = req.queryFirst("page_size");
        if (sizeText != null) {
            try {
                size = Integer.parseInt(sizeText);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > MAX_PAGE_SIZE) {
                throw ApiException.invalid("page_size", "range", "must be an integer from 1 to " + MAX_PAGE_SIZE);
            }
        }
        String startKey = req.queryFirst("start_key");
        int from = 0;
        if (startKey != null) {
            int dot = startKey.indexOf('.');
            long ms;
            try {
                ms = Long.parseLong(startKey.substring(0, Math.max(dot, 0)));
            } catch (NumberFormatException e) {
                throw ApiException.invalid("start_key", "format", "must be a next_start_key from a previous page");
            }
            String keyId = startKey.substring(dot + 1);
            while (from < sorted.size()) {
                T t = sorted.get(from);
                long c = created.apply(t).toEpochMilli();
                if (c > ms || (c == ms && id.apply(t).compareTo(keyId) >= 0)) {
                    break;
                }
                from++;
            }
        }
        int to = Math.min(sorted.size(), from + size);
        List<T> items = new ArrayList<>(sorted.subList(from, to));
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("page_size", items.size());
        if (startKey != null) {
            extras.put("start_key", startKey);
        }
        if (to < sorted.size()) {
            T next = sorted.get(to);
            extras.put("next_start_key", created.apply(next).toEpochMilli() + "." + id.apply(next));
        }
        return new Page<>(items, extras);
    }
}
