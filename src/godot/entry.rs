//! The library's own GDNative entry points (feature `entry-points`, on by
//! default): this crate's classes and nothing else. Turn the feature off
//! when embedding the crate in another GDNative library, which then uses
//! [`entry_points!`](crate::entry_points) itself.

crate::entry_points!();
