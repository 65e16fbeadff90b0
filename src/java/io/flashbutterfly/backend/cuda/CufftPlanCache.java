package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * cuFFT plans cached by (device, type, size, batch, row stride, stream), at most {@link #CAPACITY}
 * of them, least recently used out first. Plans run with one work area per (device, stream),
 * grown to the largest plan's need and shared: work on one stream runs in order, so plans of one
 * stream never use it at once. Executions go through the cache under one lock, so no plan or work
 * area is replaced while a thread is queueing work on it.
 */
final class CufftPlanCache {
    static final int CAPACITY = 32;
    private static final Logger LOG = LogManager.getLogger(CufftPlanCache.class);
    private static final CufftPlanCache SHARED = new CufftPlanCache();

    private record PlanKey(int device, CufftPlan.Type type, long size, long batch, long stream,
                           CufftPlan.Callbacks callbacks) {}

    private record StreamKey(int device, long stream) {}

    private static final class WorkArea {
        long address;
        long bytes;
    }

    private final LinkedHashMap<PlanKey, CufftPlan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<StreamKey, WorkArea> workAreas = new HashMap<>();

    static CufftPlanCache shared() { return SHARED; }

    /** Runs a transform of batch packed rows of size points from in to out (another buffer) on stream. */
    void execute(int device, CufftPlan.Type type, long size, long batch, MemorySegment in, MemorySegment out,
                 boolean forward, Stream stream) {
        execute(device, type, size, batch, null, MemorySegment.NULL, in, out, forward, stream);
    }

    /**
     * Like the plain execute, for a plan with callbacks: params (host memory) is copied to the
     * plan's parameter block, ordered on stream, right before the transform.
     */
    synchronized void execute(int device, CufftPlan.Type type, long size, long batch,
                              CufftPlan.Callbacks callbacks, MemorySegment params,
                              MemorySegment in, MemorySegment out, boolean forward, Stream stream) {
        long streamAddress = stream.handle().address();
        PlanKey key = new PlanKey(device, type, size, batch, streamAddress, callbacks);
        CufftPlan plan = plans.get(key);
        if (plan == null) {
            evictIfFull();
            plan = CufftPlan.create(device, type, size, batch, true, callbacks);
            plans.put(key, plan);
            LOG.debug("cuFFT plan {} n={} batch={} on cuda:{} (work area {} bytes)", type, size, batch, device,
                    plan.workAreaBytes());
        }
        WorkArea area = workAreas.computeIfAbsent(new StreamKey(device, streamAddress), k -> new WorkArea());
        if (area.bytes < plan.workAreaBytes()) {
            if (area.address != 0) Cuda.free(device, area.address); // cudaFree waits for queued work
            area.address = 0; // never left pointing at freed memory, should the allocation fail
            area.bytes = 0;
            area.address = Cuda.malloc(device, plan.workAreaBytes());
            area.bytes = plan.workAreaBytes();
        }
        if (callbacks != null) Cuda.copyAsync(plan.callbackParams(), params.address(), params.byteSize(), stream);
        plan.execute(in, out, forward, stream, area.address);
    }

    /** Plans held now (at most {@link #CAPACITY}). */
    synchronized int planCount() {
        return plans.size();
    }

    /** Bytes of all work areas held now. */
    synchronized long workAreaBytes() {
        return workAreas.values().stream().mapToLong(a -> a.bytes).sum();
    }

    /** Destroys every plan and frees every work area (after the work queued on them). */
    synchronized void clear() {
        for (CufftPlan plan : plans.values()) closeQuietly(plan);
        plans.clear();
        workAreas.forEach((key, area) -> {
            if (area.address != 0) Cuda.free(key.device(), area.address);
        });
        workAreas.clear();
    }

    private void evictIfFull() {
        if (plans.size() < CAPACITY) return;
        Iterator<Map.Entry<PlanKey, CufftPlan>> eldest = plans.entrySet().iterator();
        Map.Entry<PlanKey, CufftPlan> entry = eldest.next();
        eldest.remove();
        PlanKey key = entry.getKey();
        Cuda.synchronize(key.device()); // the plan may still have work queued
        closeQuietly(entry.getValue());
        boolean streamStillUsed = plans.keySet().stream()
                .anyMatch(k -> k.device() == key.device() && k.stream() == key.stream());
        if (!streamStillUsed) {
            WorkArea area = workAreas.remove(new StreamKey(key.device(), key.stream()));
            if (area != null && area.address != 0) Cuda.free(key.device(), area.address);
        }
    }

    private static void closeQuietly(CufftPlan plan) {
        try {
            plan.close();
        } catch (RuntimeException e) {
            LOG.warn("destroying a cuFFT plan failed", e);
        }
    }
}
